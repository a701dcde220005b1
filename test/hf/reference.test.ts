// The hf family must reproduce the fixture's recorded PyTorch outputs: same word-piece ids, logits
// within 1e-4 for single texts and for the recorded padded batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HfModel } from "../../src/models/hf/index.ts";
import { FIXTURE_DIR, reference, softmaxPositive } from "./fixture.ts";

let model: HfModel;
beforeAll(async () => {
  model = await HfModel.load(FIXTURE_DIR);
});
afterAll(() => model.dispose());

describe("hf family on the tiny DistilBERT fixture", () => {
  it.each(reference.single.map((s, i) => [i, s] as const))(
    "text %i: ids and logits match reference",
    async (_, s) => {
      expect(model.encode(s.text)).toEqual(s.input_ids);
      const logits = await model.logitsForIds([s.input_ids]);
      expect(logits.length).toBe(2);
      for (let c = 0; c < 2; c++) expect(Math.abs(logits[c] - s.logits[c])).toBeLessThan(1e-4);
    },
  );

  it("the recorded padded batch matches within 1e-4", async () => {
    const { input_ids, attention_mask, logits } = reference.batch;
    const out = await model.logitsForIds(input_ids, attention_mask);
    expect(out.length).toBe(6);
    for (const [i, l] of logits.flat().entries()) expect(Math.abs(out[i] - l)).toBeLessThan(1e-4);
  });

  it("predictProba is the softmax of the reference logits, in input order, batched or not", async () => {
    const texts = reference.single.map((s) => s.text);
    const batched = await model.predictProba(texts);
    expect(batched.length).toBe(texts.length);
    for (let i = 0; i < texts.length; i++) {
      expect(Math.abs(batched[i] - softmaxPositive(reference.single[i].logits))).toBeLessThan(1e-5);
      const [one] = await model.predictProba([texts[i]]);
      expect(Math.abs(one - batched[i])).toBeLessThan(1e-6);
    }
  });

  it("batch size does not change results", async () => {
    const small = await HfModel.load(FIXTURE_DIR, { batchSize: 2 });
    try {
      const texts = reference.single.map((s) => s.text);
      const [a, b] = [await model.predictProba(texts), await small.predictProba(texts)];
      for (const [i, p] of a.entries()) expect(Math.abs(p - b[i])).toBeLessThan(1e-6);
    } finally {
      await small.dispose();
    }
  });

  it("empty input list and empty text", async () => {
    expect((await model.predictProba([])).length).toBe(0);
    const [p] = await model.predictProba([""]);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
  });

  it("metadata names the checkpoint and the labels", () => {
    const m = model.metadata();
    expect(m.family).toBe("hf");
    expect(m.details?.checkpoint).toBe(FIXTURE_DIR);
    expect(m.details?.labels).toEqual(["NEGATIVE", "POSITIVE"]);
    expect(m.details?.onnxFile).toBe("onnx/model.onnx");
    expect(m.parameterCount).toBe(204_098);
    expect(m.hasRating).toBe(false);
  });
});
