// One-hot region CNN: exact parameter count, learning a synthetic task, padding that cannot change a
// review's score, save/load with the same scores.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../src/models/families.ts";
import { NeuralModel } from "../../src/models/neural/neural-model.ts";
import { regionCnnSpec } from "../../src/models/regioncnn/family.ts";
import { parseRegionCnnParams } from "../../src/models/regioncnn/params.ts";
import { loadModel } from "../../src/models/registry.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "regioncnn-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = {
  net: { units: 16, regions: [2, 3] },
  text: { minCount: 1 },
  training: { epochs: 6, batchSize: 16, lr: 1e-2, threads: 1, patience: 0, decay: "constant" },
  seed: 1,
};

describe("regioncnn parameters", () => {
  it("counts parameters without libtorch and rejects unknown keys", () => {
    const p = parseRegionCnnParams({ net: { units: 4, regions: [3] }, text: { maxVocab: 98 } });
    // 3 tables 100x4 + bias 4 + fc (max+mean: 8) + 1
    expect(new NeuralModel(regionCnnSpec, p).describe().parameterCount).toBe(1200 + 4 + 8 + 1);
    expect(() => parseRegionCnnParams({ net: { filters: 3 } })).toThrow(/invalid regioncnn.*filters/s);
  });
});

describe.skipIf(!hasTorch)(`regioncnn on libtorch${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("learns a synthetic task, scores a review the same alone or padded in a batch, saves and loads", async () => {
    const train = syntheticReviews(400, 1);
    const validation = syntheticReviews(100, 2, "v");
    const test = syntheticReviews(100, 3, "t");
    const texts = test.map((r) => r.text);
    const model = new NeuralModel(regionCnnSpec, tiny);
    const metrics = await model.fit({ train, validation });
    expect(metrics.val_accuracy).toBeGreaterThan(0.9);
    expect(model.validationLogits).toHaveLength(validation.length);
    const p = await model.predictProba(texts);
    expect(test.filter((r, i) => (p[i] > 0.5 ? 1 : 0) === r.label).length).toBeGreaterThan(90);
    // A short review batched with a long one (so padded) scores as it does alone; empty text scores.
    const long = `${texts[0]} ${texts[1]} ${texts[2]}`;
    const [alone] = await model.predictProba(["great"]);
    const [together] = await model.predictProba(["great", long]);
    expect(Math.abs(alone - together)).toBeLessThan(1e-6);
    expect(Number.isFinite((await model.predictProba([""]))[0])).toBe(true);

    const file = join(tmp, "regioncnn.sentiment");
    await model.save(file);
    const loaded = await loadModel(file);
    expect(loaded.family).toBe("regioncnn");
    const p2 = await loaded.predictProba(texts);
    for (let i = 0; i < p.length; i++) expect(Math.abs(p2[i] - p[i])).toBeLessThan(1e-6);
    model.dispose();
  });
});
