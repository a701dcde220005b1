// The neural trainer: resume from a checkpoint folder, early stopping, abort, LR schedule in use.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { family } from "../../src/models/bilstm/family.ts";
import type { ModelMetadata } from "../../src/models/model.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

type History = { epoch: number; valLoss: number; trainLoss: number }[];
const history = (m: ModelMetadata) => (m.details as { training: { history: History } }).training.history;

const base = {
  variant: "fast",
  net: { embeddingDim: 8, hiddenSize: 8 },
  text: { minCount: 1 },
  seed: 3,
};
const data = () => ({ train: syntheticReviews(128, 1), validation: syntheticReviews(64, 2, "v") });

describe.skipIf(!hasTorch)(`neural trainer${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("resumes after the last finished epoch and continues exactly where an uninterrupted run would", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
    const training = { batchSize: 32, lr: 1e-2, threads: 1, patience: 0, decay: "constant" };
    const first = family.create({ ...base, training: { ...training, epochs: 2, checkpointDir: dir } });
    await first.fit(data());
    expect(existsSync(join(dir, "state.json"))).toBe(true);
    const resumed = family.create({ ...base, training: { ...training, epochs: 3, checkpointDir: dir } });
    await resumed.fit(data());
    const straight = family.create({ ...base, training: { ...training, epochs: 3 } });
    await straight.fit(data());
    const h = history(resumed.metadata());
    expect(h.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(h.slice(0, 2)).toEqual(history(first.metadata()));
    expect(h[2].trainLoss).toBeCloseTo(history(straight.metadata())[2].trainLoss, 4);
  });

  it("stops early when validation loss stops improving and keeps the best epoch's weights", async () => {
    // A huge learning rate makes validation loss jump after the first epochs.
    const model = family.create({
      ...base,
      training: { epochs: 12, batchSize: 32, lr: 0.5, threads: 1, patience: 1 },
    });
    const metrics = await model.fit(data());
    expect(metrics.epochs_run).toBeLessThan(12);
    const h = history(model.metadata());
    const best = Math.min(...h.map((e) => e.valLoss));
    expect(h[metrics.best_epoch - 1].valLoss).toBe(best);
  });

  it("stops between batches when aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const model = family.create({ ...base, training: { epochs: 1, threads: 1 } });
    await expect(model.fit(data(), { signal: controller.signal })).rejects.toThrow(/training aborted/);
  });
});
