import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openTracker } from "../../src/track/open.ts";
import { flattenParams, metricKey, trainTracked } from "../../src/track/trainRun.ts";
import { runCli } from "../helpers/cli.ts";
import { syntheticReviews, TINY_NBLR, tinyImdbFolder } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

describe("tracked training", () => {
  it("cleans metric keys and flattens nested hyperparameters", () => {
    expect(metricKey("val_accuracy_C=0.3")).toBe("val_accuracy_C_0.3");
    expect(metricKey("/a//b")).toBe("a/b");
    expect(flattenParams({ ngrams: { maxN: 2, hashBits: 12 }, C: [0.1, 1] })).toEqual({
      "ngrams.maxN": 2,
      "ngrams.hashBits": 12,
      C: [0.1, 1],
    });
  });

  it("logs progress-event metrics under one flat prefix per phase", async () => {
    const { trackingCallbacks } = await import("../../src/track/trainRun.ts");
    const tracker = await openTracker(join(tempDir(), "mlruns"));
    try {
      const run = await tracker.startRun({});
      const cb = trackingCallbacks(run);
      cb.onProgress?.({ phase: "epoch 2/5", done: 7, total: 10, metrics: { loss: 0.25 } });
      cb.onMetric?.("val acc(epoch)", 0.9, 2);
      await run.end();
      const data = (await tracker.getRun(run.runId))!;
      expect(data.metrics["epoch_2_5/loss"]).toMatchObject({ value: 0.25, step: 7 });
      expect(data.metrics["val acc_epoch_"]).toMatchObject({ value: 0.9, step: 2 });
    } finally {
      await tracker.close();
    }
  });

  it("records params, trainer metrics, fit metrics, dataset tag and the model artifact", async () => {
    const dir = tempDir();
    const tracker = await openTracker(join(dir, "mlruns"));
    try {
      const out = join(dir, "m.sentiment");
      const { result, runId } = await trainTracked({
        tracker,
        family: "nblr",
        hyperparameters: TINY_NBLR,
        reviews: syntheticReviews(200, 3),
        seed: 1,
        out,
        run: { experiment: "t", name: "tiny" },
      });
      const run = (await tracker.getRun(runId))!;
      expect(run.info.status).toBe("FINISHED");
      expect(run.params).toMatchObject({ family: "nblr", seed: "1", "hp.ngrams.hashBits": "12" });
      expect(run.tags["model.id"]).toBe(result.model.metadata().id);
      expect(run.metrics["split.train_reviews"].value).toBe(result.train.length);
      for (const [k, v] of Object.entries(result.metrics))
        expect(run.metrics[metricKey(k)]?.value, k).toBe(v);
      // Per-candidate validation metrics the trainer reports through onMetric, under clean keys.
      expect(Object.keys(run.metrics).some((k) => k.startsWith("val_accuracy_C_"))).toBe(true);
      expect(existsSync(join(run.info.artifactUri, "model/m.sentiment"))).toBe(true);
    } finally {
      await tracker.close();
    }
  });

  it("marks the run FAILED when training fails", async () => {
    const tracker = await openTracker(join(tempDir(), "mlruns"));
    try {
      await expect(
        trainTracked({
          tracker,
          family: "nblr",
          reviews: syntheticReviews(10).map((r) => ({ ...r, label: 1 as const })),
        }),
      ).rejects.toThrow(/both classes/);
      const [run] = await tracker.searchRuns({});
      expect(run.info.status).toBe("FAILED");
      expect(run.tags.error).toMatch(/both classes/);
    } finally {
      await tracker.close();
    }
  });

  it("sentiment train records a run by default", async () => {
    const dir = tempDir();
    const store = join(dir, "mlruns");
    const res = await runCli([
      "train",
      "--family",
      "nblr",
      "--params",
      JSON.stringify(TINY_NBLR),
      "--data",
      tinyImdbFolder(),
      "--out",
      join(dir, "m.sentiment"),
      "--tracking-uri",
      store,
      "--json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    const { runId } = JSON.parse(res.stdout);
    const tracker = await openTracker(store);
    try {
      const run = (await tracker.getRun(runId))!;
      expect(run.info.status).toBe("FINISHED");
      expect(run.tags["dataset.sha256"]).toMatch(/^[0-9a-f]{64}$/);
      expect(run.info.runName).toBe("train-nblr");
      expect(run.tags["mlflow.source.git.commit"] ?? "none").toBeTruthy();
    } finally {
      await tracker.close();
    }
  });
});
