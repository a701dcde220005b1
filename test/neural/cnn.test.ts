// Word-CNN family: parameter count, training on a tiny synthetic task, save/load, word-vector start,
// and stacking inside an ensemble (members embedded in one file, loaded back with the same scores).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cnnSpec } from "../../src/models/cnn/family.ts";
import { parseCnnParams } from "../../src/models/cnn/params.ts";
import { EnsembleModel } from "../../src/models/ensemble/model.ts";
import "../../src/models/families.ts";
import { NeuralModel } from "../../src/models/neural/neural-model.ts";
import { loadModel } from "../../src/models/registry.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "cnn-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = {
  net: { embeddingDim: 16, filters: 8, kernels: [2, 3] },
  text: { minCount: 1 },
  training: { epochs: 6, batchSize: 16, lr: 1e-2, threads: 1, patience: 0, decay: "constant" },
  seed: 1,
};

describe("cnn parameters", () => {
  it("counts parameters without libtorch and rejects unknown keys", () => {
    const p = parseCnnParams({
      net: { embeddingDim: 10, filters: 4, kernels: [3, 5] },
      text: { maxVocab: 98 },
    });
    // embedding 100x10 + conv3 4*(10*3+1) + conv5 4*(10*5+1) + fc 8+1
    expect(new NeuralModel(cnnSpec, p).describe().parameterCount).toBe(1000 + 124 + 204 + 9);
    expect(() => parseCnnParams({ net: { width: 3 } })).toThrow(/invalid cnn hyperparameters.*width/s);
  });
});

describe.skipIf(!hasTorch)(`cnn on libtorch${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  const train = syntheticReviews(400, 1);
  const validation = syntheticReviews(100, 2, "v");
  const test = syntheticReviews(100, 3, "t");
  const texts = test.map((r) => r.text);
  const accuracy = (p: Float64Array) =>
    test.filter((r, i) => (p[i] > 0.5 ? 1 : 0) === r.label).length / test.length;

  it("learns a synthetic task, keeps calibrated validation logits, saves and loads", async () => {
    const model = new NeuralModel(cnnSpec, tiny);
    const metrics = await model.fit({ train, validation });
    expect(metrics.val_accuracy).toBeGreaterThan(0.9);
    expect(model.validationLogits).toHaveLength(validation.length);
    const p = await model.predictProba(texts);
    expect(accuracy(p)).toBeGreaterThan(0.9);
    // One-word and empty reviews are shorter than the kernels and still score.
    const short = await model.predictProba(["great", ""]);
    expect(short[0]).toBeGreaterThan(0.5);
    expect(Number.isFinite(short[1])).toBe(true);

    const file = join(tmp, "cnn.sentiment");
    await model.save(file);
    const loaded = await loadModel(file);
    expect(loaded.family).toBe("cnn");
    const p2 = await loaded.predictProba(texts);
    for (let i = 0; i < p.length; i++) expect(Math.abs(p2[i] - p[i])).toBeLessThan(1e-6);
    model.dispose();
  });

  it("starts from a word-vector file", async () => {
    const vectors = join(tmp, "vectors.txt");
    writeFileSync(vectors, "great 1 0 0 0\nawful -1 0 0 0\nthe 0 1 0 0\n");
    const model = new NeuralModel(cnnSpec, { ...tiny, vectors, net: { ...tiny.net, embeddingDim: 4 } });
    await model.fit({ train, validation });
    expect(model.metadata().details?.architecture).toMatchObject({ vectors, embeddingDim: 4 });
    const wrongDim = new NeuralModel(cnnSpec, { ...tiny, vectors });
    await expect(wrongDim.fit({ train, validation })).rejects.toThrow(
      /4-dimensional vectors.*embeddingDim is 16/,
    );
    model.dispose();
  });

  it("starts from word2vec vectors trained at fit time on train + validation + unlabeled texts", async () => {
    const unlabeled = syntheticReviews(300, 4, "u").map(({ label: _label, ...r }) => r);
    const model = new NeuralModel(cnnSpec, { ...tiny, word2vec: { epochs: 2 } });
    const metrics = await model.fit({ train, validation, unlabeled });
    expect(metrics.word2vec_sequences).toBe(train.length + validation.length + unlabeled.length);
    expect(metrics.val_accuracy).toBeGreaterThan(0.9);
    expect(model.metadata().details?.architecture).toMatchObject({ word2vec: { method: "cbow", epochs: 2 } });
    expect(() => parseCnnParams({ vectors: "v.txt", word2vec: {} })).toThrow(/either vectors.*or word2vec/);
    model.dispose();
  });

  it("refits on train + validation for the chosen epochs, keeping the first fit's validation logits", async () => {
    const params = { ...tiny, training: { ...tiny.training, epochs: 4, patience: 1 } };
    const plain = new NeuralModel(cnnSpec, params);
    const plainMetrics = await plain.fit({ train, validation });
    const refit = new NeuralModel(cnnSpec, { ...params, training: { ...params.training, refit: true } });
    const metricNames = new Set<string>();
    const phases = new Set<string>();
    const metrics = await refit.fit(
      { train, validation },
      { onMetric: (name) => metricNames.add(name), onProgress: (e) => phases.add(e.phase.split(" ")[0]) },
    );
    expect(metrics.best_epoch).toBe(plainMetrics.best_epoch);
    expect(metrics.refit_epochs).toBe(metrics.best_epoch);
    expect(metrics.train_reviews).toBe(train.length + validation.length);
    expect(metricNames).toContain("refit_trainLoss");
    expect(phases).toContain("refit");
    // Same first fit (one thread, same seed), so the stacking logits match; the shipped weights differ.
    for (let i = 0; i < validation.length; i++)
      expect(refit.validationLogits![i]).toBeCloseTo(plain.validationLogits![i], 4);
    const p = await refit.predictProba(texts);
    const q = await plain.predictProba(texts);
    expect(p.some((v, i) => Math.abs(v - q[i]) > 1e-3)).toBe(true);
    expect(accuracy(p)).toBeGreaterThan(0.9);
    plain.dispose();
    refit.dispose();
  });

  it("stacks with nblr in an ensemble stored as one file", async () => {
    const ensemble = new EnsembleModel({
      members: [
        { family: "nblr", hyperparameters: { minDf: 1 } },
        { family: "cnn", hyperparameters: tiny },
      ],
    });
    const metrics = await ensemble.fit({ train, validation });
    expect(metrics.val_accuracy_stacked).toBeGreaterThan(0.9);
    const p = await ensemble.predictProba(texts);
    const file = join(tmp, "ensemble.sentiment");
    await ensemble.save(file);
    const loaded = await loadModel(file);
    const p2 = await loaded.predictProba(texts);
    // nblr stores its weights as float16, hence not bit-exact.
    for (let i = 0; i < p.length; i++) expect(Math.abs(p2[i] - p[i])).toBeLessThan(1e-4);
  });
});
