// Hyperparameter search (`sentiment tune`): random or TPE suggestions over a declared space, each trial
// scored on the training reviews only (movie-disjoint validation split, or k-fold CV) and recorded as
// a child run of the search run. Trials run in parallel in batches of `parallel`; every suggestion
// depends only on the seed and the results of earlier batches, so a search is reproducible no matter
// how fast each worker is.

import type { Tracker } from "../track/tracker.ts";
import { flattenParams } from "../track/trainRun.ts";
import { resolveConfig } from "../train/train.ts";
import { UserError } from "../util/errors.ts";
import { rng } from "../util/random.ts";
import { defaultParallelism, TrialPool } from "./pool.ts";
import { applyParams, type SearchSpace, sampleRandom, type TrialParams, trialSeed } from "./space.ts";
import { type Observation, suggestTpe } from "./tpe.ts";
import { type Evaluation, meanMetrics, type TrialOutcome, type TrialTask } from "./trial.ts";

/** Metrics where lower is better; the search maximises the score, so these are negated. */
const MINIMISE = new Set(["logLoss", "brier", "ece", "ratingMae", "ratingRmse"]);

export interface SearchOptions {
  tracker: Tracker;
  /** Tracking URI the workers open (the same store as `tracker`). */
  trackingUri: string;
  experiment?: string;
  dataFile: string;
  /** Where the data came from (recorded on the run). */
  dataSha256?: string;
  family?: string;
  preset?: string;
  /** Fixed overrides applied before the searched values. */
  hyperparameters?: Record<string, unknown>;
  space: SearchSpace;
  algorithm: "random" | "tpe";
  trials: number;
  parallel?: number;
  seed?: number;
  /** Training seed, the same for every trial so that only the hyperparameters differ. */
  trainSeed?: number;
  validationFraction?: number;
  evaluation: { kind: "holdout"; fraction: number } | { kind: "folds"; k: number };
  metric?: string;
  onTrial?: (t: TrialResult) => void;
  signal?: AbortSignal;
}

export interface TrialResult {
  trial: number;
  params: TrialParams;
  /** Mean over folds of the chosen metric (NaN when the trial failed). */
  score: number;
  metrics: Record<string, number>;
  runId?: string;
  seconds: number;
  error?: string;
}

export interface SearchResult {
  runId: string;
  metric: string;
  trials: TrialResult[];
  best: TrialResult;
  /** The best trial's complete hyperparameters, ready for `sentiment train --params`. */
  bestHyperparameters: Record<string, unknown>;
}

export async function runSearch(options: SearchOptions): Promise<SearchResult> {
  const metric = options.metric ?? "accuracy";
  const seed = options.seed ?? 0;
  const parallel = options.parallel ?? defaultParallelism(options.trials);
  if (!Number.isInteger(options.trials) || options.trials < 1)
    throw new UserError("--trials must be a positive integer");
  const base = resolveConfig({
    family: options.family,
    preset: options.preset,
    hyperparameters: options.hyperparameters,
  });
  const evaluation: Evaluation =
    options.evaluation.kind === "holdout"
      ? { kind: "holdout", fraction: options.evaluation.fraction, seed }
      : {
          kind: "folds",
          k: options.evaluation.k,
          seed,
          folds: Array.from({ length: options.evaluation.k }, (_, i) => i),
        };
  const experiment = options.experiment ?? "tune";
  const parent = await options.tracker.startRun({
    experiment,
    name: `tune-${base.family}-${options.algorithm}`,
    params: {
      algorithm: options.algorithm,
      trials: options.trials,
      parallel,
      seed,
      metric,
      evaluation:
        options.evaluation.kind === "holdout"
          ? `validation ${options.evaluation.fraction}`
          : `${options.evaluation.k}-fold`,
      family: base.family,
      space: JSON.stringify(options.space),
    },
    tags: options.dataSha256 ? { "dataset.sha256": options.dataSha256 } : {},
  });
  const pool = new TrialPool(Math.min(parallel, options.trials));
  try {
    const results: TrialResult[] = [];
    for (let start = 0; start < options.trials && !options.signal?.aborted; start += parallel) {
      const batch = Array.from({ length: Math.min(parallel, options.trials - start) }, (_, j) => start + j);
      const history: Observation[] = results.map((r) => ({ params: r.params, score: r.score }));
      const tasks: TrialTask[] = batch.map((trial) => {
        const random = rng(trialSeed(seed, trial));
        const params =
          options.algorithm === "tpe"
            ? suggestTpe(options.space, history, random)
            : sampleRandom(options.space, random);
        return {
          id: trial,
          dataFile: options.dataFile,
          family: base.family,
          hyperparameters: applyParams(base.hyperparameters, params),
          seed: options.trainSeed ?? 0,
          validationFraction: options.validationFraction ?? 0.2,
          evaluation,
          tracking: {
            uri: options.trackingUri,
            experiment,
            parentRunId: parent.runId,
            runName: `trial-${trial}`,
            params,
          },
        };
      });
      const paramsById = new Map(tasks.map((t) => [t.id, t.tracking!.params as TrialParams]));
      const outcomes = await pool.run(tasks, undefined, options.signal);
      for (const trial of batch) {
        const o: TrialOutcome = outcomes.find((x) => x.id === trial) ?? {
          id: trial,
          folds: [],
          seconds: 0,
          error: "not run (interrupted)",
        };
        const metrics = meanMetrics(o.folds);
        const raw = metrics[metric];
        if (!o.error && raw === undefined) {
          throw new UserError(
            `metric "${metric}" is not reported by the evaluation; available: ${Object.keys(metrics).join(", ")}`,
          );
        }
        const score = o.error ? Number.NaN : MINIMISE.has(metric) ? -raw : raw;
        const r: TrialResult = {
          trial,
          params: paramsById.get(trial)!,
          score,
          metrics,
          runId: o.runId,
          seconds: o.seconds,
          error: o.error,
        };
        results.push(r);
        parent.logMetric(`trial.${metric}`, raw ?? Number.NaN, trial);
        options.onTrial?.(r);
      }
      // Keep the best-so-far curve on the parent run (what a search plot shows).
      const bestSoFar = Math.max(
        ...results.map((r) => (Number.isFinite(r.score) ? r.score : Number.NEGATIVE_INFINITY)),
      );
      if (Number.isFinite(bestSoFar))
        parent.logMetric(`best.${metric}`, MINIMISE.has(metric) ? -bestSoFar : bestSoFar, results.length);
    }
    const ok = results.filter((r) => Number.isFinite(r.score));
    if (ok.length === 0) {
      throw new UserError(
        `every trial failed; first error: ${results[0]?.error ?? "interrupted before any trial finished"}`,
      );
    }
    // Ties go to the earlier trial, so the result does not depend on completion order.
    const best = ok.reduce((a, b) => (b.score > a.score ? b : a));
    const bestHyperparameters = applyParams(base.hyperparameters, best.params);
    parent.logParams(flattenParams(best.params, "best."));
    parent.setTags({
      "best.trial": String(best.trial),
      ...(best.runId ? { "best.run_id": best.runId } : {}),
    });
    for (const [k, v] of Object.entries(best.metrics)) parent.logMetric(`best_trial.${k}`, v);
    await parent.end(options.signal?.aborted ? "KILLED" : "FINISHED");
    return { runId: parent.runId, metric, trials: results, best, bestHyperparameters };
  } catch (err) {
    try {
      parent.setTag("error", String((err as Error).message).slice(0, 4000));
      await parent.end(options.signal?.aborted ? "KILLED" : "FAILED");
    } catch {
      // keep the original error
    }
    throw err;
  } finally {
    pool.close();
  }
}
