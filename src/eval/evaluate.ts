// evaluateModel: score any SentimentModel on labeled reviews and return a JSON-serialisable
// EvalReport (metrics, rating errors, curves for plots, robustness, timing). The CLI, the pipeline
// and the tracker all call this one function, so every model family is measured the same way.
import { cpus } from "node:os";
import type { Review } from "../data/types.ts";
import type { ProgressEvent, SentimentModel } from "../models/model.ts";
import { DataError } from "../util/errors.ts";
import { binaryMetrics, downsampleRoc, ratingMetrics, rocCurve, scoreHistogram } from "./metrics.ts";
import { PERTURBATIONS, sampleIndices } from "./perturb.ts";
import { predictInBatches, predictRatingsInBatches } from "./predict.ts";
import { type RobustnessOptions, robustness } from "./robustness.ts";
import type { DatasetInfo, EvalReport, RatingMetrics } from "./types.ts";

export interface EvaluateOptions {
  /** What the reviews are, for the report: name, path, split, sha256 of the source. */
  dataset: { name: string; path?: string; split?: string; sha256?: string; skipped?: number };
  batchSize?: number;
  /** P(positive) >= threshold is predicted positive. Default 0.5. */
  threshold?: number;
  /** Evaluate a seeded random sample of this many labeled reviews (never "the first N": IMDb is sorted by class). */
  limit?: number;
  /** Seed for --limit sampling and the robustness sample. */
  seed?: number;
  /** false skips the robustness section; an object tunes it. Default: on. */
  robustness?: boolean | Omit<RobustnessOptions, "cleanProbabilities" | "onProgress" | "signal">;
  /**
   * Time budget for robustness, from the measured prediction speed: the sample shrinks (to no
   * fewer than 200 reviews) so slow models do not spend hours on it. Default 60 s.
   */
  robustnessBudgetSeconds?: number;
  /** Points kept on the ROC curve in the report (the AUC always uses all). Default 200. */
  rocPoints?: number;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

const DEFAULT_SEED = 20_240_601;
const ROBUSTNESS_MIN_SAMPLE = 200;

/**
 * Evaluate `model` on the labeled reviews among `reviews`.
 * @throws DataError when no review has a label.
 * @example
 *   const report = await evaluateModel(model, test, { dataset: { name: "IMDb test", sha256 } });
 *   report.metrics.accuracy.value // 0.9...
 */
export async function evaluateModel(
  model: SentimentModel,
  reviews: readonly Review[],
  options: EvaluateOptions,
): Promise<EvalReport> {
  const t0 = performance.now();
  const seed = options.seed ?? DEFAULT_SEED;
  let labeled = reviews.filter((r) => r.label === 0 || r.label === 1);
  const unlabeled = reviews.length - labeled.length;
  if (labeled.length === 0) {
    throw new DataError(
      `none of the ${reviews.length} reviews in ${options.dataset.name} has a label (0/1, negative/positive); evaluation needs labels`,
    );
  }
  if (options.limit !== undefined && options.limit < labeled.length) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new DataError(`limit must be a whole number >= 1; got ${options.limit}`);
    }
    labeled = sampleIndices(labeled.length, options.limit, seed).map((i) => labeled[i]);
  }
  const texts = labeled.map((r) => r.text);
  const labels = Uint8Array.from(labeled, (r) => r.label!);

  const { probabilities, seconds } = await predictInBatches(model, texts, {
    batchSize: options.batchSize,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  const threshold = options.threshold ?? 0.5;
  const metrics = binaryMetrics(labels, probabilities, { threshold });
  const roc = downsampleRoc(rocCurve(labels, probabilities), options.rocPoints ?? 200);
  const histogram = scoreHistogram(labels, probabilities, 20);

  let rating: RatingMetrics | undefined;
  const metadata = model.metadata();
  if (metadata.hasRating) {
    const rated = labeled.filter((r) => typeof r.rating === "number" && Number.isFinite(r.rating));
    if (rated.length > 0) {
      const predicted = await predictRatingsInBatches(
        model,
        rated.map((r) => r.text),
        { batchSize: options.batchSize, onProgress: options.onProgress, signal: options.signal },
      );
      if (predicted)
        rating = ratingMetrics(
          Float64Array.from(rated, (r) => r.rating!),
          predicted,
        );
    }
  }

  const predictionsPerSecond = seconds > 0 ? texts.length / seconds : 0;
  let robust: EvalReport["robustness"];
  if (options.robustness !== false) {
    const tuned = typeof options.robustness === "object" ? options.robustness : {};
    const wanted = tuned.sampleSize ?? 2000;
    // Passes over the sample: first sentence + each perturbation (the clean pass is reused).
    const passes = 1 + PERTURBATIONS.length;
    const affordable = Math.floor(((options.robustnessBudgetSeconds ?? 60) * predictionsPerSecond) / passes);
    const sampleSize = Math.min(wanted, Math.max(ROBUSTNESS_MIN_SAMPLE, affordable));
    robust = await robustness(model, labeled, {
      seed,
      threshold,
      batchSize: options.batchSize,
      ...tuned,
      sampleSize,
      cleanProbabilities: probabilities,
      onProgress: options.onProgress,
      signal: options.signal,
    });
  }

  const dataset: DatasetInfo = { ...options.dataset, total: reviews.length, unlabeled };
  if (options.limit !== undefined && options.limit < reviews.length - unlabeled)
    dataset.limit = options.limit;
  const report: EvalReport = {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    model: metadata,
    dataset,
    n: labeled.length,
    metrics,
    curves: { roc, histogram },
    timing: {
      predictSeconds: seconds,
      predictionsPerSecond,
      totalSeconds: (performance.now() - t0) / 1000,
      batchSize: options.batchSize ?? 256,
    },
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
    },
  };
  if (rating) report.ratingMetrics = rating;
  if (robust) report.robustness = robust;
  return report;
}

/** The headline numbers of a report as a flat record (for --json, the tracker and model metadata). */
export function summaryMetrics(report: EvalReport): Record<string, number | null> {
  const m = report.metrics;
  const out: Record<string, number | null> = {
    n: report.n,
    accuracy: m.accuracy.value,
    accuracyLow: m.accuracy.low,
    accuracyHigh: m.accuracy.high,
    precision: m.perClass.positive.precision,
    recall: m.perClass.positive.recall,
    f1: m.perClass.positive.f1,
    macroF1: m.macro.f1,
    rocAuc: m.rocAuc,
    logLoss: m.logLoss,
    brier: m.brier,
    ece: m.ece,
    predictionsPerSecond: report.timing.predictionsPerSecond,
  };
  if (report.ratingMetrics) {
    out.ratingMae = report.ratingMetrics.mae;
    out.ratingRmse = report.ratingMetrics.rmse;
    out.ratingWithin1 = report.ratingMetrics.within1;
  }
  return out;
}
