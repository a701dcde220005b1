// Where a model breaks: accuracy by review length, on the first sentence only, on negation-heavy
// reviews, and under label-neutral perturbations (./perturb.ts). Runs on a seeded sample so it costs
// a few seconds for linear models; every row carries n and a 95% interval so small slices are read
// with the right amount of doubt.
import type { Review } from "../data/types.ts";
import type { ProgressEvent, SentimentModel } from "../models/model.ts";
import { DEFAULT_PREPROCESS, type PreprocessConfig, tokenize } from "../text/preprocess.ts";
import { DataError } from "../util/errors.ts";
import { wilson } from "./metrics.ts";
import { firstSentence, isNegationToken, PERTURBATIONS, sampleIndices, seededRandom } from "./perturb.ts";
import { predictInBatches } from "./predict.ts";
import type { RobustnessReport, RobustnessRow } from "./types.ts";

export interface RobustnessOptions {
  /** Reviews sampled (seeded, without replacement). Default 2,000. */
  sampleSize?: number;
  seed?: number;
  batchSize?: number;
  threshold?: number;
  /** Tokenizer settings for length and negation counts; default: the model's own, else the project default. */
  preprocess?: PreprocessConfig;
  /** P(positive) of `reviews` already computed (same order), to skip predicting the clean sample again. */
  cleanProbabilities?: ArrayLike<number>;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** Upper bounds (inclusive) of the length buckets, in tokens. */
export const LENGTH_BUCKETS = [50, 150, 400] as const;
/** A review is negation-heavy with at least this many negations... */
export const NEGATION_MIN_COUNT = 3;
/** ...and at least this many per 100 tokens (about 10% of IMDb test reviews qualify). */
export const NEGATION_MIN_PER_100 = 3;

function lengthBucketKeys(): { key: string; label: string; max: number }[] {
  const out: { key: string; label: string; max: number }[] = [];
  let prev = 0;
  for (const max of LENGTH_BUCKETS) {
    const first = prev === 0;
    out.push({
      key: first ? `length:<=${max}` : `length:${prev + 1}-${max}`,
      label: first ? `≤${max} tokens` : `${prev + 1}–${max} tokens`,
      max,
    });
    prev = max;
  }
  out.push({ key: `length:>${prev}`, label: `>${prev} tokens`, max: Number.POSITIVE_INFINITY });
  return out;
}

function correctCount(
  labels: ArrayLike<number>,
  p: ArrayLike<number>,
  idx: Iterable<number>,
  threshold: number,
) {
  let correct = 0;
  let n = 0;
  for (const i of idx) {
    n++;
    if ((p[i] >= threshold ? 1 : 0) === labels[i]) correct++;
  }
  return { correct, n };
}

function sliceRow(
  key: string,
  label: string,
  labels: ArrayLike<number>,
  p: ArrayLike<number>,
  idx: number[],
  threshold: number,
  cleanAccuracy: number,
): RobustnessRow {
  const { correct, n } = correctCount(labels, p, idx, threshold);
  if (n === 0) return { key, label, n: 0, accuracy: null, delta: null };
  const accuracy = wilson(correct, n);
  return { key, label, n, accuracy, delta: accuracy.value - cleanAccuracy };
}

/** A modified copy of every sampled review, scored against the clean predictions of the same reviews. */
function variantRow(
  key: string,
  label: string,
  labels: ArrayLike<number>,
  clean: Float64Array,
  variant: Float64Array,
  threshold: number,
  cleanAccuracy: number,
): RobustnessRow {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  const row = sliceRow(key, label, labels, variant, all, threshold, cleanAccuracy);
  let flips = 0;
  let shift = 0;
  for (let i = 0; i < clean.length; i++) {
    if (clean[i] >= threshold !== variant[i] >= threshold) flips++;
    shift += Math.abs(variant[i] - clean[i]);
  }
  return { ...row, flipRate: flips / clean.length, meanAbsShift: shift / clean.length };
}

/**
 * Robustness of `model` on a seeded sample of the labeled `reviews`.
 * @throws DataError when no review has a label.
 */
export async function robustness(
  model: SentimentModel,
  reviews: readonly Review[],
  options: RobustnessOptions = {},
): Promise<RobustnessReport> {
  const t0 = performance.now();
  const seed = options.seed ?? 20_240_601;
  const threshold = options.threshold ?? 0.5;
  const preprocess = options.preprocess ?? model.metadata().preprocessing ?? DEFAULT_PREPROCESS;
  const labeledIdx: number[] = [];
  reviews.forEach((r, i) => {
    if (r.label === 0 || r.label === 1) labeledIdx.push(i);
  });
  if (labeledIdx.length === 0)
    throw new DataError("robustness checks need labeled reviews; none of the reviews has a label");
  const picked = sampleIndices(labeledIdx.length, options.sampleSize ?? 2000, seed).map((k) => labeledIdx[k]);
  const sample = picked.map((i) => reviews[i]);
  const labels = Uint8Array.from(sample, (r) => r.label!);
  const texts = sample.map((r) => r.text);

  // clean (unless given) + first sentence + each perturbation, all on one progress bar.
  const passes = (options.cleanProbabilities ? 0 : 1) + 1 + PERTURBATIONS.length;
  const total = passes * sample.length;
  let offset = 0;
  const run = async (batch: string[]) => {
    const { probabilities } = await predictInBatches(model, batch, {
      batchSize: options.batchSize,
      phase: "robustness",
      onProgress: options.onProgress,
      offset,
      total,
      signal: options.signal,
    });
    offset += batch.length;
    return probabilities;
  };
  const given = options.cleanProbabilities;
  const clean = given ? Float64Array.from(picked, (i) => given[i]) : await run(texts);
  const all = Array.from({ length: sample.length }, (_, i) => i);
  const cleanCount = correctCount(labels, clean, all, threshold);
  const cleanAcc = wilson(cleanCount.correct, cleanCount.n);

  // Slices of the clean predictions: length and negation density.
  const buckets = lengthBucketKeys();
  const bucketIdx: number[][] = buckets.map(() => []);
  const negationIdx: number[] = [];
  sample.forEach((r, i) => {
    const tokens = tokenize(r.text, { ...preprocess, negation: false, lowercase: true });
    bucketIdx[buckets.findIndex((b) => tokens.length <= b.max)].push(i);
    const negations = tokens.reduce((s, t) => s + (isNegationToken(t) ? 1 : 0), 0);
    if (
      negations >= NEGATION_MIN_COUNT &&
      (negations * 100) / Math.max(1, tokens.length) >= NEGATION_MIN_PER_100
    ) {
      negationIdx.push(i);
    }
  });
  const lengthBuckets = buckets.map((b, k) =>
    sliceRow(b.key, b.label, labels, clean, bucketIdx[k], threshold, cleanAcc.value),
  );
  const negation = sliceRow(
    "slice:negation-heavy",
    "negation-heavy",
    labels,
    clean,
    negationIdx,
    threshold,
    cleanAcc.value,
  );

  const first = await run(texts.map(firstSentence));
  const firstSentenceRow = variantRow(
    "variant:first-sentence",
    "first sentence only",
    labels,
    clean,
    first,
    threshold,
    cleanAcc.value,
  );

  const perturbations: RobustnessRow[] = [];
  for (const [k, pert] of PERTURBATIONS.entries()) {
    // A separate stream per (perturbation, review) so adding a perturbation never changes the others.
    const changed = texts.map((t, i) =>
      pert.apply(t, seededRandom(seed ^ Math.imul(k + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b))),
    );
    perturbations.push(
      variantRow(pert.key, pert.label, labels, clean, await run(changed), threshold, cleanAcc.value),
    );
  }

  const definitions: Record<string, string> = {
    sample: `${sample.length} labeled reviews sampled without replacement (seed ${seed}); deltas are accuracy minus the clean accuracy of this sample, in [-1, 1].`,
    length: `Tokens from the model's tokenizer (lower-cased, negation marking off); buckets ${buckets.map((b) => b.label).join(", ")}.`,
    "variant:first-sentence":
      "Only the first sentence (Unicode sentence boundaries; <br /> ends a paragraph).",
    "slice:negation-heavy": `At least ${NEGATION_MIN_COUNT} negations (not, no, never, nothing, *n't) and at least ${NEGATION_MIN_PER_100} per 100 tokens.`,
    flipRate: "Share of reviews whose predicted label differs from the clean prediction.",
  };
  for (const p of PERTURBATIONS) definitions[p.key] = p.definition;
  return {
    sampleSize: sample.length,
    seed,
    clean: cleanAcc,
    lengthBuckets,
    firstSentence: firstSentenceRow,
    perturbations,
    negation,
    definitions,
    seconds: (performance.now() - t0) / 1000,
  };
}
