// The int8 ONNX variant (onnx/model_quantized.onnx, made by make-quantized-fixture.ts with ONNX
// Runtime's dynamic-quantization rewrite): chosen on request, or automatically when it is the only one.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HfModel } from "../../src/models/hf/index.ts";
import { FIXTURE_DIR, reference } from "./fixture.ts";

const tmp = mkdtempSync(join(tmpdir(), "hf-q8-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("int8 ONNX weights", () => {
  it("dtype=q8 runs model_quantized.onnx: logits within 0.01 of the fp32 reference, same labels", async () => {
    const m = await HfModel.load(`${FIXTURE_DIR}?dtype=q8`);
    try {
      expect(m.metadata().details?.onnxFile).toBe("onnx/model_quantized.onnx");
      expect(m.metadata().details?.dtype).toBe("q8");
      for (const s of reference.single) {
        const l = await m.logitsForIds([s.input_ids]);
        expect(Math.abs(l[0] - s.logits[0])).toBeLessThan(0.01);
        expect(Math.abs(l[1] - s.logits[1])).toBeLessThan(0.01);
        // Not the fp32 graph under another name: quantization error is visible.
        expect(Math.abs(l[0] - s.logits[0]) + Math.abs(l[1] - s.logits[1])).toBeGreaterThan(1e-6);
      }
    } finally {
      await m.dispose();
    }
  });

  it("auto prefers fp32 when both exist and falls back to int8 when only it exists", async () => {
    const both = await HfModel.load(FIXTURE_DIR);
    expect(both.metadata().details?.dtype).toBe("fp32");
    await both.dispose();
    const dir = join(tmp, "q8-only");
    cpSync(FIXTURE_DIR, dir, { recursive: true, filter: (src) => !src.endsWith(join("onnx", "model.onnx")) });
    const only = await HfModel.load(dir);
    try {
      expect(only.metadata().details?.onnxFile).toBe("onnx/model_quantized.onnx");
      const [p] = await only.predictProba([reference.single[0].text]);
      expect(p).toBeGreaterThan(0.9);
    } finally {
      await only.dispose();
    }
    await expect(HfModel.load(`${dir}?dtype=fp32`)).rejects.toThrow(/no onnx\/model\.onnx/);
  });
});
