// The shapes the evaluation module produces. Everything here is plain JSON (no typed arrays, no NaN:
// undefined metrics are `null` with a note), so a report can be written, read back, served by the web
// server and logged by the experiment tracker without conversion.
import type { ModelMetadata } from "../models/model.ts";

/** A proportion with its 95% Wilson score interval. */
export interface Proportion {
  value: number;
  low: number;
  high: number;
  n: number;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true members of the class. */
  support: number;
}

export interface ConfusionMatrix {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

/** One equal-width bin of P(positive), for ECE and the reliability diagram. */
export interface CalibrationBin {
  low: number;
  high: number;
  count: number;
  /** Mean predicted P(positive) in the bin; null when the bin is empty. */
  meanPredicted: number | null;
  /** Observed fraction of positives in the bin; null when the bin is empty. */
  fractionPositive: number | null;
}

/** A point of the ROC curve: classify positive when P(positive) >= threshold. */
export interface RocPoint {
  fpr: number;
  tpr: number;
  /** null for the starting point (0, 0), whose threshold lies above every score. */
  threshold: number | null;
}

/** Counts of P(positive) in equal-width bins, split by true class. */
export interface ScoreHistogram {
  edges: number[];
  negative: number[];
  positive: number[];
}

export interface BinaryMetrics {
  n: number;
  nPositive: number;
  nNegative: number;
  /** P(positive) >= threshold is predicted positive. */
  threshold: number;
  accuracy: Proportion;
  perClass: { negative: ClassMetrics; positive: ClassMetrics };
  macro: { precision: number; recall: number; f1: number };
  confusion: ConfusionMatrix;
  /** Null when only one class is present (AUC is undefined then; see `notes`). */
  rocAuc: number | null;
  /** Mean binary cross-entropy with probabilities clipped to [1e-15, 1 - 1e-15]. */
  logLoss: number;
  brier: number;
  /** Expected calibration error of P(positive) over `calibration` bins (weighted by bin size). */
  ece: number;
  /** Largest |fraction positive - mean predicted| over non-empty bins. */
  mce: number;
  calibration: CalibrationBin[];
  /** Why a metric is null or may mislead (single class, degenerate predictions). */
  notes: string[];
}

export interface RatingMetrics {
  n: number;
  mae: number;
  rmse: number;
  /** Fraction of predictions within 1 star of the true rating. */
  within1: number;
}

export interface RobustnessRow {
  /** Stable machine name, e.g. "length:<=50", "perturb:all-caps". */
  key: string;
  /** Human-readable description. */
  label: string;
  n: number;
  /** Null when n = 0. */
  accuracy: Proportion | null;
  /** accuracy - clean accuracy of the same reviews (perturbations) or of the whole sample (slices). */
  delta: number | null;
  /** Perturbations only: fraction of reviews whose predicted label changed. */
  flipRate?: number;
  /** Perturbations only: mean |P'(positive) - P(positive)|. */
  meanAbsShift?: number;
}

export interface RobustnessReport {
  sampleSize: number;
  seed: number;
  /** Accuracy of the unmodified sampled reviews; every delta is relative to it. */
  clean: Proportion;
  lengthBuckets: RobustnessRow[];
  firstSentence: RobustnessRow;
  perturbations: RobustnessRow[];
  negation: RobustnessRow;
  /** How each slice and perturbation is defined, so readers can judge the numbers. */
  definitions: Record<string, string>;
  seconds: number;
}

export interface DatasetInfo {
  /** e.g. "IMDb aclImdb test split" or a file name. */
  name: string;
  path?: string;
  split?: string;
  sha256?: string;
  /** Reviews received, before dropping unlabeled ones. */
  total: number;
  /** Reviews without a label, which cannot be scored (counted, never silently dropped). */
  unlabeled: number;
  /** Rows or files the loader could not use (bad UTF-8, empty text, ...), reported by the loader. */
  skipped?: number;
  /** Set when --limit or a sample cut the data. */
  limit?: number;
}

export interface EvalCurves {
  /** Downsampled to at most a few hundred points; the AUC is computed on the full curve. */
  roc: RocPoint[];
  histogram: ScoreHistogram;
}

export interface EvalTiming {
  predictSeconds: number;
  predictionsPerSecond: number;
  totalSeconds: number;
  batchSize: number;
}

export interface EvalReport {
  /** Bumped when the shape changes incompatibly. */
  schemaVersion: 1;
  createdAt: string;
  model: ModelMetadata;
  dataset: DatasetInfo;
  n: number;
  metrics: BinaryMetrics;
  /** Present when the model predicts ratings and the reviews carry them. */
  ratingMetrics?: RatingMetrics;
  curves: EvalCurves;
  robustness?: RobustnessReport;
  timing: EvalTiming;
  environment: { node: string; platform: string; cpus: number };
}
