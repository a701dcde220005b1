// One unit of work of a search or a cross-validation: train a configuration on part of the labelled
// training reviews and score it on the held-out part (a movie-disjoint validation split or k folds;
// never the test split), optionally as a tracked child run. Runs in a worker process or in-process.
import { groupKFold, splitByGroup } from "../data/split.ts";
import type { Review } from "../data/types.ts";
import { evaluateModel, summaryMetrics } from "../eval/evaluate.ts";
import { readReviews } from "../pipeline/reviewsFile.ts";
import { openTracker } from "../track/open.ts";
import type { ActiveRun } from "../track/tracker.ts";
import { flattenParams, logNumbers } from "../track/trainRun.ts";
import { trainModel } from "../train/train.ts";

export type Evaluation =
  | { kind: "holdout"; fraction: number; seed: number }
  | { kind: "folds"; k: number; seed: number; folds: number[] };

export interface TrialTask {
  id: number;
  /** JSON Lines of labelled training reviews (see pipeline/reviewsFile.ts). */
  dataFile: string;
  family?: string;
  preset?: string;
  /** Complete hyperparameter overrides (search params already applied to the preset's values). */
  hyperparameters: Record<string, unknown>;
  seed: number;
  /** The trainer's own inner validation share (selection/calibration), carved from the training part. */
  validationFraction: number;
  evaluation: Evaluation;
  tracking?: {
    uri: string;
    experiment: string;
    parentRunId: string;
    runName: string;
    /** Shown as the run's params (the searched values, not the whole configuration). */
    params: Record<string, unknown>;
  };
}

export interface FoldResult {
  fold: number;
  metrics: Record<string, number>;
}

export interface TrialOutcome {
  id: number;
  folds: FoldResult[];
  seconds: number;
  runId?: string;
  error?: string;
}

function numeric(record: Record<string, number | null>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).filter((e): e is [string, number] => typeof e[1] === "number"),
  );
}

/** Mean of each metric over folds. */
export function meanMetrics(folds: FoldResult[]): Record<string, number> {
  const keys = [...new Set(folds.flatMap((f) => Object.keys(f.metrics)))];
  return Object.fromEntries(
    keys.map((k) => {
      const vs = folds.map((f) => f.metrics[k]).filter((v) => v !== undefined);
      return [k, vs.reduce((a, b) => a + b, 0) / vs.length];
    }),
  );
}

// A worker runs many trials on the same data file: parse it once per process.
let dataCache: { file: string; reviews: Review[] } | undefined;
async function cachedReviews(file: string): Promise<Review[]> {
  if (dataCache?.file !== file) dataCache = { file, reviews: await readReviews(file) };
  return dataCache.reviews;
}

export async function runTrialTask(task: TrialTask, signal?: AbortSignal): Promise<TrialOutcome> {
  const t0 = performance.now();
  const tracker = task.tracking ? await openTracker(task.tracking.uri) : undefined;
  let run: ActiveRun | undefined;
  try {
    if (tracker && task.tracking) {
      run = await tracker.startRun({
        experiment: task.tracking.experiment,
        name: task.tracking.runName,
        parentRunId: task.tracking.parentRunId,
        params: { ...flattenParams(task.tracking.params), seed: task.seed },
      });
    }
    const reviews = await cachedReviews(task.dataFile);
    const e = task.evaluation;
    const splits =
      e.kind === "holdout"
        ? [{ fold: 0, ...splitByGroup(reviews, { validationFraction: e.fraction, seed: e.seed }) }]
        : e.folds.map((f) => ({ fold: f, ...groupKFold(reviews, e.k, e.seed)[f] }));
    const folds: FoldResult[] = [];
    for (const s of splits) {
      const result = await trainModel({
        family: task.family,
        preset: task.preset,
        hyperparameters: task.hyperparameters,
        reviews: s.train,
        seed: task.seed,
        validationFraction: task.validationFraction,
        signal,
      });
      const report = await evaluateModel(result.model, s.validation, {
        dataset: { name: e.kind === "holdout" ? "validation split" : `fold ${s.fold + 1} of ${e.k}` },
        robustness: false,
        signal,
      });
      const metrics = numeric(summaryMetrics(report));
      folds.push({ fold: s.fold, metrics });
      if (run) logNumbers(run, metrics, s.fold, "fold.");
    }
    if (run) {
      logNumbers(run, meanMetrics(folds));
      await run.end("FINISHED");
    }
    return { id: task.id, folds, seconds: (performance.now() - t0) / 1000, runId: run?.runId };
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    if (run) {
      try {
        run.setTag("error", message.slice(0, 4000));
        await run.end(signal?.aborted ? "KILLED" : "FAILED");
      } catch {
        // keep the trial's own error
      }
    }
    return {
      id: task.id,
      folds: [],
      seconds: (performance.now() - t0) / 1000,
      runId: run?.runId,
      error: message,
    };
  } finally {
    await tracker?.close();
  }
}
