// Writes test/fixtures/tiny-distilbert-imdb/onnx/model_quantized.onnx: the fixture's ONNX model with
// dynamic int8 quantization of every MatMul against a weight, the same graph rewrite as ONNX
// Runtime's quantize_dynamic (QInt8 weights, per tensor, symmetric):
//   Y = MatMul(X, W)  ->  Xq, xs, xz = DynamicQuantizeLinear(X)
//                         Y = Cast<float>(MatMulInteger(Xq, Wq, xz, 0)) * (xs * ws)
// so the hf family's int8 path is tested on a real quantized graph. Python's onnxruntime is not
// available here; the ONNX protobuf codec comes from onnxruntime-web (installed with transformers.js).
// Run once: npx tsx test/hf/make-quantized-fixture.ts (the output is committed).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { FIXTURE_DIR } from "./fixture.ts";

interface TensorProto {
  name: string;
  dataType: number;
  dims: number[];
  rawData?: Uint8Array;
}
interface NodeProto {
  opType: string;
  name?: string;
  input: string[];
  output: string[];
  attribute?: unknown[];
}
interface OnnxCodec {
  ModelProto: {
    decode(b: Uint8Array): { graph: { node: NodeProto[]; initializer: TensorProto[] } };
    encode(m: unknown): { finish(): Uint8Array };
  };
  TensorProto: { DataType: Record<string, number> };
  AttributeProto: { AttributeType: Record<string, number> };
}

const require = createRequire(import.meta.url);
const { onnx } = require(
  join(
    dirname(require.resolve("protobufjs/minimal")),
    "..",
    "onnxruntime-web",
    "lib",
    "onnxjs",
    "ort-schema",
    "protobuf",
    "onnx.js",
  ),
) as { onnx: OnnxCodec };
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT8 = onnx.TensorProto.DataType.INT8;

const model = onnx.ModelProto.decode(readFileSync(join(FIXTURE_DIR, "onnx", "model.onnx")));
const graph = model.graph;
const inits = new Map(graph.initializer.map((t) => [t.name, t]));
const nodes: NodeProto[] = [];
let quantized = 0;
for (const node of graph.node) {
  const w = node.opType === "MatMul" ? inits.get(node.input[1]) : undefined;
  if (!w || w.dataType !== FLOAT || w.dims.length !== 2 || !w.rawData) {
    nodes.push(node);
    continue;
  }
  const raw = w.rawData;
  const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const scale = Math.max(...values.map(Math.abs)) / 127 || 1;
  const q = Int8Array.from(values, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
  const base = w.name;
  graph.initializer = graph.initializer.filter((t) => t.name !== base);
  graph.initializer.push(
    { name: `${base}_quantized`, dataType: INT8, dims: w.dims, rawData: new Uint8Array(q.buffer) },
    {
      name: `${base}_scale`,
      dataType: FLOAT,
      dims: [],
      rawData: new Uint8Array(Float32Array.of(scale).buffer),
    },
    { name: `${base}_zero_point`, dataType: INT8, dims: [], rawData: new Uint8Array(1) },
  );
  const x = node.input[0];
  const p = `${node.output[0]}_q${quantized}`;
  nodes.push(
    {
      opType: "DynamicQuantizeLinear",
      name: `${p}_dql`,
      input: [x],
      output: [`${p}_x`, `${p}_xs`, `${p}_xz`],
    },
    {
      opType: "MatMulInteger",
      name: `${p}_mmi`,
      input: [`${p}_x`, `${base}_quantized`, `${p}_xz`, `${base}_zero_point`],
      output: [`${p}_i32`],
    },
    {
      opType: "Cast",
      name: `${p}_cast`,
      input: [`${p}_i32`],
      output: [`${p}_f`],
      attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
    },
    { opType: "Mul", name: `${p}_scale`, input: [`${p}_xs`, `${base}_scale`], output: [`${p}_s`] },
    { opType: "Mul", name: `${p}_out`, input: [`${p}_f`, `${p}_s`], output: node.output },
  );
  quantized++;
}
graph.node = nodes;
const out = join(FIXTURE_DIR, "onnx", "model_quantized.onnx");
writeFileSync(out, onnx.ModelProto.encode(model).finish());
process.stdout.write(`quantized ${quantized} MatMul weights -> ${out}\n`);
