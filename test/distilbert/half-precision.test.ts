// Hub checkpoints are often stored in F16 or BF16: --init widens them to float32 on load.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../../packages/torch/src/index.ts";
import { DistilBertModel } from "../../src/models/distilbert/index.ts";
import { decodeSafetensorsAsF32 } from "../../src/models/distilbert/safetensors-any.ts";
import { FIXTURE_DIR, reference } from "../hf/fixture.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";

const tmp = mkdtempSync(join(tmpdir(), "distilbert-half-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Round-to-nearest-even float -> half / bfloat16 bits (reference encoders for the test). */
function toHalf(v: number): number {
  const f = new DataView(new ArrayBuffer(4));
  f.setFloat32(0, v);
  const x = f.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  const h = sign | (exp << 10) | Math.round(mant / 8192);
  return h;
}
function toBf16(v: number): number {
  const f = new DataView(new ArrayBuffer(4));
  f.setFloat32(0, v);
  return Math.round(f.getUint32(0) / 65536) & 0xffff;
}

function rewrite(dtype: "F16" | "BF16"): string {
  const { tensors } = decodeSafetensors(readFileSync(join(FIXTURE_DIR, "model.safetensors")));
  const header: Record<string, unknown> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const b = Buffer.alloc(t.data.length * 2);
    t.data.forEach((v, i) => {
      b.writeUInt16LE(dtype === "F16" ? toHalf(v) : toBf16(v), i * 2);
    });
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + b.length] };
    chunks.push(b);
    offset += b.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const dir = join(tmp, dtype);
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  writeFileSync(join(dir, "model.safetensors"), Buffer.concat([len, json, ...chunks]));
  return dir;
}

describe("half-precision safetensors", () => {
  it("F16 and BF16 values widen to the nearest float32", () => {
    for (const dtype of ["F16", "BF16"] as const) {
      const weights = decodeSafetensorsAsF32(readFileSync(join(rewrite(dtype), "model.safetensors")));
      const original = decodeSafetensors(readFileSync(join(FIXTURE_DIR, "model.safetensors"))).tensors;
      const w = weights.get("classifier.weight")!;
      const o = original.get("classifier.weight")!;
      expect(w.shape).toEqual(o.shape);
      const tol = dtype === "F16" ? 2 ** -10 : 2 ** -7;
      o.data.forEach((v, i) => {
        expect(Math.abs(w.data[i] - v)).toBeLessThanOrEqual(Math.abs(v) * tol + 1e-7);
      });
    }
  });

  it("an F32 file is decoded unchanged", () => {
    const bytes = readFileSync(join(FIXTURE_DIR, "model.safetensors"));
    const a = decodeSafetensorsAsF32(bytes).get("pre_classifier.weight")!;
    const b = decodeSafetensors(bytes).tensors.get("pre_classifier.weight")!;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it.skipIf(!hasTorch)(
    `a model initialised from F16 weights predicts like the F32 one${torchSkipReason ? ` (${torchSkipReason})` : ""}`,
    async () => {
      const m = await DistilBertModel.load(rewrite("F16"));
      try {
        const s = reference.single[0];
        const l = m.logitsForIds([s.input_ids]);
        expect(Math.abs(l[0] - s.logits[0])).toBeLessThan(0.02);
        expect(Math.abs(l[1] - s.logits[1])).toBeLessThan(0.02);
      } finally {
        await m.dispose();
      }
    },
  );
});
