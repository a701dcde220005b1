// safetensors encoding and LR schedules: pure TypeScript, run without libtorch.
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, learningRate } from "../../packages/torch/src/index.ts";

describe("safetensors", () => {
  it("round-trips tensors and metadata with an 8-byte aligned data section", () => {
    const tensors = new Map([
      ["b.bias", { data: new Float32Array([1.5, -2]), shape: [2] }],
      ["a.weight", { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }],
    ]);
    const bytes = encodeSafetensors(tensors, { family: "bilstm" });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString());
    expect(header["a.weight"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ family: "bilstm" });
    expect(back.tensors.get("a.weight")).toEqual(tensors.get("a.weight"));
    expect(back.tensors.get("b.bias")).toEqual(tensors.get("b.bias"));
  });

  it("rejects truncated and inconsistent data with a message", () => {
    const bytes = encodeSafetensors(new Map([["w", { data: new Float32Array(4), shape: [4] }]]));
    expect(() => decodeSafetensors(bytes.subarray(0, 4))).toThrow(/truncated/);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/inconsistent offsets/);
    expect(() => encodeSafetensors(new Map([["w", { data: new Float32Array(3), shape: [2, 2] }]]))).toThrow(
      /needs 4 values/,
    );
  });
});

describe("learningRate", () => {
  const o = { lr: 1, totalSteps: 110, warmupSteps: 10 };
  it("warms up linearly, then decays to the floor", () => {
    expect(learningRate(0, o)).toBeCloseTo(0.1);
    expect(learningRate(9, o)).toBeCloseTo(1);
    expect(learningRate(60, { ...o, decay: "cosine" })).toBeCloseTo(0.5);
    expect(learningRate(110, { ...o, decay: "cosine", minRatio: 0.1 })).toBeCloseTo(0.1);
    expect(learningRate(60, { ...o, decay: "linear" })).toBeCloseTo(0.5);
    expect(learningRate(100, o)).toBe(1);
  });
});
