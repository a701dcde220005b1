// k-fold cross-validation (`sentiment cv -k 5`): folds of whole movies from the training reviews, one
// model per fold (in parallel across cores), every evaluation metric reported as mean ± standard
// deviation over folds. Recorded as a run with one child run per fold.
import type { Tracker } from "../track/tracker.ts";
import { flattenParams } from "../track/trainRun.ts";
import { resolveConfig } from "../train/train.ts";
import { UserError } from "../util/errors.ts";
import { defaultParallelism, runTasks } from "./pool.ts";
import type { FoldResult, TrialTask } from "./trial.ts";

export interface CvOptions {
  tracker: Tracker;
  trackingUri: string;
  experiment?: string;
  dataFile: string;
  dataSha256?: string;
  family?: string;
  preset?: string;
  hyperparameters?: Record<string, unknown>;
  k: number;
  seed?: number;
  parallel?: number;
  validationFraction?: number;
  signal?: AbortSignal;
}

export interface MetricSummary {
  mean: number;
  /** Sample standard deviation (n - 1) over folds. */
  std: number;
  values: number[];
}

export interface CvResult {
  runId: string;
  k: number;
  folds: FoldResult[];
  metrics: Record<string, MetricSummary>;
}

export function summarize(folds: FoldResult[]): Record<string, MetricSummary> {
  const keys = [...new Set(folds.flatMap((f) => Object.keys(f.metrics)))].sort();
  const out: Record<string, MetricSummary> = {};
  for (const k of keys) {
    const values = folds.map((f) => f.metrics[k]).filter((v): v is number => typeof v === "number");
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance =
      values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
    out[k] = { mean, std: Math.sqrt(variance), values };
  }
  return out;
}

export async function runCrossValidation(options: CvOptions): Promise<CvResult> {
  if (!Number.isInteger(options.k) || options.k < 2)
    throw new UserError(`-k must be an integer >= 2, got ${options.k}`);
  const seed = options.seed ?? 0;
  const config = resolveConfig({
    family: options.family,
    preset: options.preset,
    hyperparameters: options.hyperparameters,
  });
  const experiment = options.experiment ?? "cv";
  const parent = await options.tracker.startRun({
    experiment,
    name: `cv-${config.family}-k${options.k}`,
    params: { k: options.k, seed, family: config.family, ...flattenParams(config.hyperparameters, "hp.") },
    tags: options.dataSha256 ? { "dataset.sha256": options.dataSha256 } : {},
  });
  try {
    const tasks: TrialTask[] = Array.from({ length: options.k }, (_, fold) => ({
      id: fold,
      dataFile: options.dataFile,
      family: config.family,
      hyperparameters: config.hyperparameters,
      seed,
      validationFraction: options.validationFraction ?? 0.2,
      evaluation: { kind: "folds", k: options.k, seed, folds: [fold] },
      tracking: {
        uri: options.trackingUri,
        experiment,
        parentRunId: parent.runId,
        runName: `fold-${fold + 1}`,
        params: { fold: fold + 1 },
      },
    }));
    const outcomes = await runTasks(
      tasks,
      options.parallel ?? defaultParallelism(options.k),
      undefined,
      options.signal,
    );
    const failed = outcomes.filter((o) => o.error);
    if (failed.length || outcomes.length < options.k) {
      throw new UserError(
        `cross-validation failed: ${failed.map((o) => `fold ${o.id + 1}: ${o.error}`).join("; ") || "interrupted"}`,
      );
    }
    const folds = outcomes.flatMap((o) => o.folds).sort((a, b) => a.fold - b.fold);
    const metrics = summarize(folds);
    for (const [k, s] of Object.entries(metrics)) {
      parent.logMetric(`${k}.mean`, s.mean);
      parent.logMetric(`${k}.std`, s.std);
    }
    await parent.end("FINISHED");
    return { runId: parent.runId, k: options.k, folds, metrics };
  } catch (err) {
    try {
      parent.setTag("error", String((err as Error).message).slice(0, 4000));
      await parent.end(options.signal?.aborted ? "KILLED" : "FAILED");
    } catch {
      // keep the original error
    }
    throw err;
  }
}
