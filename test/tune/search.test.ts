import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReviews } from "../../src/pipeline/reviewsFile.ts";
import { openTracker } from "../../src/track/open.ts";
import type { Tracker } from "../../src/track/tracker.ts";
import { runCrossValidation, summarize } from "../../src/tune/cv.ts";
import { runSearch, type SearchOptions } from "../../src/tune/search.ts";
import type { SearchSpace } from "../../src/tune/space.ts";
import { runCli } from "../helpers/cli.ts";
import { syntheticReviews, TINY_NBLR, tinyImdbFolder } from "../track/fixtures.ts";
import { tempDir } from "../track/helpers.ts";

const SPACE: SearchSpace = {
  C: { type: "loguniform", low: 0.01, high: 3 },
  minDf: { type: "int", low: 1, high: 3 },
};

let dir: string;
let store: string;
let dataFile: string;
let tracker: Tracker;
beforeAll(async () => {
  dir = tempDir("tune-");
  store = join(dir, "mlruns");
  dataFile = join(dir, "train.jsonl");
  // Noisy labels so hyperparameters matter.
  await writeReviews(dataFile, syntheticReviews(240, 5, 0.25));
  tracker = await openTracker(store);
});
afterAll(async () => {
  await tracker.close();
});

function options(extra: Partial<SearchOptions>): SearchOptions {
  return {
    tracker,
    trackingUri: store,
    dataFile,
    family: "nblr",
    hyperparameters: TINY_NBLR,
    space: SPACE,
    algorithm: "random",
    trials: 4,
    parallel: 1,
    seed: 3,
    evaluation: { kind: "holdout", fraction: 0.25 },
    ...extra,
  };
}

describe("hyperparameter search", () => {
  it("records each trial as a child run and reports the best configuration", async () => {
    const r = await runSearch(options({}));
    expect(r.trials).toHaveLength(4);
    expect(r.trials.every((t) => !t.error && t.metrics.accuracy > 0.4)).toBe(true);
    expect(r.best.score).toBe(Math.max(...r.trials.map((t) => t.score)));
    expect(r.bestHyperparameters).toMatchObject({
      ngrams: TINY_NBLR.ngrams,
      C: r.best.params.C,
      minDf: r.best.params.minDf,
    });
    const children = await tracker.searchRuns({ parentRunId: r.runId });
    expect(children).toHaveLength(4);
    for (const c of children) {
      expect(c.info.status).toBe("FINISHED");
      expect(c.params.C).toBeDefined();
      expect(c.metrics.accuracy).toBeDefined();
    }
    const parent = (await tracker.getRun(r.runId))!;
    expect(parent.tags["best.trial"]).toBe(String(r.best.trial));
    expect(Number(parent.params["best.C"])).toBeCloseTo(r.best.params.C as number, 10);
    expect((await tracker.getMetricHistory(r.runId, "trial.accuracy")).length).toBe(4);
  });

  it("gives identical results in parallel worker processes and in-process (deterministic seeds)", async () => {
    const serial = await runSearch(options({ parallel: 1 }));
    const parallel = await runSearch(options({ parallel: 2 }));
    expect(parallel.trials.map((t) => [t.trial, t.params, t.score])).toEqual(
      serial.trials.map((t) => [t.trial, t.params, t.score]),
    );
    const tpeA = await runSearch(
      options({ algorithm: "tpe", trials: 6, parallel: 2, evaluation: { kind: "folds", k: 2 } }),
    );
    const tpeB = await runSearch(
      options({ algorithm: "tpe", trials: 6, parallel: 2, evaluation: { kind: "folds", k: 2 } }),
    );
    expect(tpeA.trials.map((t) => [t.params, t.score])).toEqual(tpeB.trials.map((t) => [t.params, t.score]));
    expect(tpeA.trials[0].metrics.accuracy).toBeGreaterThan(0);
  });

  it("fails clearly on an unknown metric", async () => {
    await expect(runSearch(options({ trials: 1, metric: "nope" }))).rejects.toThrow(
      /metric "nope" is not reported .* available: .*accuracy/,
    );
  });
});

describe("cross-validation", () => {
  it("reports mean and std over k movie-disjoint folds, one child run per fold", async () => {
    const r = await runCrossValidation({
      tracker,
      trackingUri: store,
      dataFile,
      family: "nblr",
      hyperparameters: TINY_NBLR,
      k: 3,
      parallel: 2,
    });
    expect(r.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    const acc = r.metrics.accuracy;
    expect(acc.values).toHaveLength(3);
    expect(acc.mean).toBeCloseTo((acc.values[0] + acc.values[1] + acc.values[2]) / 3, 12);
    const m = acc.mean;
    expect(acc.std).toBeCloseTo(Math.sqrt(acc.values.reduce((a, v) => a + (v - m) ** 2, 0) / 2), 12);
    expect(Object.keys(r.metrics)).toEqual(
      expect.arrayContaining(["accuracy", "macroF1", "rocAuc", "logLoss"]),
    );
    const parent = (await tracker.getRun(r.runId))!;
    expect(parent.metrics["accuracy.mean"].value).toBeCloseTo(acc.mean, 12);
    expect(parent.metrics["accuracy.std"].value).toBeCloseTo(acc.std, 12);
    expect((await tracker.searchRuns({ parentRunId: r.runId })).map((c) => c.info.runName).sort()).toEqual([
      "fold-1",
      "fold-2",
      "fold-3",
    ]);
    expect(summarize([{ fold: 0, metrics: { a: 1 } }]).a).toEqual({ mean: 1, std: 0, values: [1] });
  });

  it("sentiment cv -k 3 and sentiment tune run end to end from the CLI", async () => {
    const data = tinyImdbFolder(160);
    const params = JSON.stringify(TINY_NBLR);
    const cv = await runCli([
      "cv",
      "-k",
      "3",
      "--family",
      "nblr",
      "--params",
      params,
      "--data",
      data,
      "--tracking-uri",
      store,
    ]);
    expect(cv.code, cv.stderr).toBe(0);
    expect(cv.stdout).toMatch(/metric\s+mean\s+± std\s+fold 1\s+fold 2\s+fold 3/);
    expect(cv.stdout).toMatch(/accuracy \d\.\d{4} ± \d\.\d{4} over 3 folds/);
    const tune = await runCli([
      "tune",
      "--family",
      "nblr",
      "--params",
      params,
      "--data",
      data,
      "--trials",
      "3",
      "--parallel",
      "2",
      "--space",
      JSON.stringify(SPACE),
      "--register",
      "--out",
      join(dir, "best.sentiment"),
      "--tracking-uri",
      store,
      "--json",
    ]);
    expect(tune.code, tune.stderr).toBe(0);
    const out = JSON.parse(tune.stdout);
    expect(out.trials).toHaveLength(3);
    expect(out.trained).toMatchObject({ version: 1 });
    expect((await tracker.registry.getVersionByAlias("imdb-sentiment", "staging"))?.version).toBe(1);
    const bad = await runCli([
      "tune",
      "--family",
      "nblr",
      "--data",
      data,
      "--algorithm",
      "grid",
      "--tracking-uri",
      store,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--algorithm must be tpe or random/);
  });
});
