// Classification, calibration and rating metrics from true labels and calibrated P(positive).
// Pure functions on typed arrays: one pass for the counts plus one native sort per class for the ROC,
// so 50k predictions take a few milliseconds. Conventions follow scikit-learn where it has one
// (zero-division -> 0, ROC thresholds at distinct scores, tie-aware AUC) so numbers can be compared.
import type {
  BinaryMetrics,
  CalibrationBin,
  ClassMetrics,
  Proportion,
  RatingMetrics,
  RocPoint,
  ScoreHistogram,
} from "./types.ts";

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;
/** Log-loss clipping, as scikit-learn did before 1.5 (eps=1e-15); keeps one confident miss finite. */
const LOG_LOSS_EPS = 1e-15;

export type LabelArray = ArrayLike<number>;
export type ScoreArray = ArrayLike<number>;

export interface BinaryMetricsOptions {
  /** P(positive) >= threshold is predicted positive. Default 0.5. */
  threshold?: number;
  /** Equal-width bins for ECE and the reliability diagram. Default 15 (Guo et al., 2017). */
  calibrationBins?: number;
}

/**
 * Wilson score interval for `successes` out of `n` (better than the normal approximation near 0 and 1
 * and for small n; Brown, Cai & DasGupta 2001).
 * @example wilson(90, 100) // { value: 0.9, low: 0.8256..., high: 0.9448..., n: 100 }
 */
export function wilson(successes: number, n: number, z = Z95): Proportion {
  if (n <= 0) return { value: 0, low: 0, high: 1, n: 0 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p = 0 or 1 the bound is exactly 0 or 1; pin it instead of trusting rounding.
  const low = successes === 0 ? 0 : Math.max(0, center - half);
  const high = successes === n ? 1 : Math.min(1, center + half);
  return { value: p, low, high, n };
}

/** Throws a message naming the first bad element, so a model bug or bad data is found fast. */
export function checkBinaryInputs(labels: LabelArray, scores: ScoreArray): void {
  if (labels.length !== scores.length) {
    throw new RangeError(
      `labels and scores differ in length: ${labels.length} labels, ${scores.length} scores`,
    );
  }
  if (labels.length === 0) throw new RangeError("cannot compute metrics on 0 examples");
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`label ${i} is ${y}; expected 0 (negative) or 1 (positive)`);
    const p = scores[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`score ${i} is ${p}; expected a probability in [0, 1]`);
  }
}

function classMetrics(tp: number, fp: number, fn: number): ClassMetrics {
  // scikit-learn's zero_division=0: an empty denominator gives 0 rather than NaN.
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: tp + fn };
}

/** Scores of one class, ascending (a native numeric sort on a Float64Array). */
function sortedScores(labels: LabelArray, scores: ScoreArray, cls: 0 | 1, count: number): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === cls) out[k++] = scores[i];
  return out.sort();
}

/**
 * ROC curve with one point per distinct score (ties form a single diagonal step, as in scikit-learn
 * with drop_intermediate=false), from (0, 0) to (1, 1). Empty when a class is missing.
 */
export function rocCurve(labels: LabelArray, scores: ScoreArray): RocPoint[] {
  checkBinaryInputs(labels, scores);
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) nPos += labels[i];
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return [];
  const pos = sortedScores(labels, scores, 1, nPos);
  const neg = sortedScores(labels, scores, 0, nNeg);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }];
  // Walk both lists from the highest score down, consuming every example equal to the current threshold.
  let i = nPos - 1;
  let j = nNeg - 1;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? pos[i] : -1, j >= 0 ? neg[j] : -1);
    while (i >= 0 && pos[i] === t) i--;
    while (j >= 0 && neg[j] === t) j--;
    points.push({ fpr: (nNeg - 1 - j) / nNeg, tpr: (nPos - 1 - i) / nPos, threshold: t });
  }
  return points;
}

/**
 * Exact ROC-AUC: the probability that a random positive scores above a random negative, ties counting
 * one half (Mann-Whitney U / (nPos * nNeg)). Null when only one class is present — scikit-learn raises
 * "Only one class present in y_true" there; we return null so a report can still be written.
 */
export function rocAuc(labels: LabelArray, scores: ScoreArray): number | null {
  checkBinaryInputs(labels, scores);
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) nPos += labels[i];
  const nNeg = labels.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const pos = sortedScores(labels, scores, 1, nPos);
  const neg = sortedScores(labels, scores, 0, nNeg);
  // For each positive (ascending), count negatives strictly below and equal to it; both pointers only move up.
  let below = 0;
  let upTo = 0;
  let u = 0;
  for (let i = 0; i < nPos; i++) {
    const s = pos[i];
    while (below < nNeg && neg[below] < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < nNeg && neg[upTo] <= s) upTo++;
    u += below + 0.5 * (upTo - below);
  }
  return u / (nPos * nNeg);
}

/**
 * Keep a ROC curve's shape with at most about `maxPoints` points, for plots and JSON reports: a point
 * is kept when it is at least 2/maxPoints (L1) away from the last kept one; the path of a ROC curve
 * is at most 2 long, so that bounds the count. The first and last points are always kept.
 */
export function downsampleRoc(points: readonly RocPoint[], maxPoints = 200): RocPoint[] {
  if (points.length <= maxPoints) return points.slice();
  const step = 2 / maxPoints;
  const out: RocPoint[] = [points[0]];
  for (let k = 1; k < points.length - 1; k++) {
    const last = out[out.length - 1];
    if (Math.abs(points[k].fpr - last.fpr) + Math.abs(points[k].tpr - last.tpr) >= step) out.push(points[k]);
  }
  out.push(points[points.length - 1]);
  return out;
}

function binIndex(p: number, bins: number): number {
  // p = 1 belongs to the last bin; the other bins are [low, high).
  return Math.min(Math.floor(p * bins), bins - 1);
}

/** Equal-width calibration bins of P(positive) with ECE and MCE. */
export function calibration(
  labels: LabelArray,
  scores: ScoreArray,
  bins = 15,
): { bins: CalibrationBin[]; ece: number; mce: number } {
  checkBinaryInputs(labels, scores);
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`calibration bins must be an integer >= 1; got ${bins}`);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const b = binIndex(scores[i], bins);
    count[b]++;
    sumP[b] += scores[i];
    sumY[b] += labels[i];
  }
  const out: CalibrationBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b];
    const meanPredicted = c > 0 ? sumP[b] / c : null;
    const fractionPositive = c > 0 ? sumY[b] / c : null;
    if (c > 0) {
      const gap = Math.abs(sumY[b] / c - sumP[b] / c);
      ece += (c / labels.length) * gap;
      mce = Math.max(mce, gap);
    }
    out.push({ low: b / bins, high: (b + 1) / bins, count: c, meanPredicted, fractionPositive });
  }
  return { bins: out, ece, mce };
}

/** Counts of P(positive) in `bins` equal-width bins, separately for true negatives and positives. */
export function scoreHistogram(labels: LabelArray, scores: ScoreArray, bins = 20): ScoreHistogram {
  checkBinaryInputs(labels, scores);
  const negative = new Array<number>(bins).fill(0);
  const positive = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const b = binIndex(scores[i], bins);
    if (labels[i] === 1) positive[b]++;
    else negative[b]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => k / bins);
  return { edges, negative, positive };
}

/**
 * Every binary metric of the report in one call.
 * @throws RangeError when lengths differ, a label is not 0/1 or a score is not a probability.
 */
export function binaryMetrics(
  labels: LabelArray,
  scores: ScoreArray,
  options: BinaryMetricsOptions = {},
): BinaryMetrics {
  const threshold = options.threshold ?? 0.5;
  checkBinaryInputs(labels, scores);
  const n = labels.length;
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let logLoss = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const p = scores[i];
    const predicted = p >= threshold ? 1 : 0;
    if (y === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
    const clipped = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    logLoss -= y === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    brier += (p - y) * (p - y);
  }
  const positive = classMetrics(tp, fp, fn);
  const negative = classMetrics(tn, fn, fp);
  const cal = calibration(labels, scores, options.calibrationBins ?? 15);
  const auc = rocAuc(labels, scores);
  const notes: string[] = [];
  if (auc === null)
    notes.push(`ROC-AUC is undefined: only one class is present (${tp + fn} positive, ${tn + fp} negative).`);
  if (tp + fp === 0)
    notes.push("No example was predicted positive; positive-class precision is reported as 0.");
  if (tn + fn === 0)
    notes.push("No example was predicted negative; negative-class precision is reported as 0.");
  return {
    n,
    nPositive: tp + fn,
    nNegative: tn + fp,
    threshold,
    accuracy: wilson(tp + tn, n),
    perClass: { negative, positive },
    macro: {
      precision: (negative.precision + positive.precision) / 2,
      recall: (negative.recall + positive.recall) / 2,
      f1: (negative.f1 + positive.f1) / 2,
    },
    confusion: { tn, fp, fn, tp },
    rocAuc: auc,
    logLoss: logLoss / n,
    brier: brier / n,
    ece: cal.ece,
    mce: cal.mce,
    calibration: cal.bins,
    notes,
  };
}

/**
 * Star-rating errors on IMDb's 1-10 scale.
 * @throws RangeError when lengths differ, the input is empty or a value is not finite.
 */
export function ratingMetrics(trueRatings: ArrayLike<number>, predicted: ArrayLike<number>): RatingMetrics {
  if (trueRatings.length !== predicted.length) {
    throw new RangeError(
      `true and predicted ratings differ in length: ${trueRatings.length} vs ${predicted.length}`,
    );
  }
  const n = trueRatings.length;
  if (n === 0) throw new RangeError("cannot compute rating metrics on 0 examples");
  let abs = 0;
  let sq = 0;
  let within = 0;
  for (let i = 0; i < n; i++) {
    const d = predicted[i] - trueRatings[i];
    if (!Number.isFinite(d)) {
      throw new RangeError(
        `rating ${i}: true ${trueRatings[i]}, predicted ${predicted[i]}; both must be finite numbers`,
      );
    }
    abs += Math.abs(d);
    sq += d * d;
    // A small tolerance so 8.000000001 vs 7 still counts as "within one star".
    if (Math.abs(d) <= 1 + 1e-9) within++;
  }
  return { n, mae: abs / n, rmse: Math.sqrt(sq / n), within1: within / n };
}
