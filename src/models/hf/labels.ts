// Turns a checkpoint's class labels (config.json id2label) into polarity: each class gets a score in
// [0, 1] (0 = most negative, 1 = most positive) and P(positive) = sum_k p_k * score_k. For two classes
// that is exactly the softmax probability of the positive class; for ordered scales (neg/neutral/pos,
// SST-5, 1-5 stars) it is the expected position on the scale, and star models also give a 1-10 rating.
import { UserError } from "../../util/errors.ts";

export type LabelScheme = "binary" | "ternary" | "five-point" | "stars" | "custom";

export interface LabelMapping {
  /** Label names in class-id order. */
  labels: string[];
  /** Polarity score of each class in [0, 1]. */
  scores: number[];
  scheme: LabelScheme;
  /** Whether predictions carry a 1-10 rating (star scales only: a rating is what they were trained on). */
  hasRating: boolean;
  /** How the mapping was decided, for model cards and `metadata().details`. */
  rule: string;
}

// Ordinal position of named sentiment labels; normalised over the labels present, so a binary set maps
// to {0, 1}, negative/neutral/positive to {0, 0.5, 1} and SST-5's five names to {0, .25, .5, .75, 1}.
const NAMED: [RegExp, number][] = [
  [/^(very|strongly|extremely)[ _-]?neg(ative)?$/, -2],
  [/^neg(ative)?$/, -1],
  [/^(neu|neutral|mixed)$/, 0],
  [/^pos(itive)?$/, 1],
  [/^(very|strongly|extremely)[ _-]?pos(itive)?$/, 2],
];
const STARS = /^([0-9]+)[ _-]?stars?$/;
// "LABEL_3", or a bare class number "3".
const GENERIC = /^(?:label[ _-]?)?([0-9]+)$/;

function normalise(ranks: number[]): number[] {
  const lo = Math.min(...ranks);
  const hi = Math.max(...ranks);
  return ranks.map((r) => (r - lo) / (hi - lo));
}

/** Class names in id order from a config's id2label ({"0": "NEGATIVE", "1": "POSITIVE"}). */
export function labelsFromConfig(id2label: unknown, numLabels?: number): string[] {
  if (id2label === null || typeof id2label !== "object") {
    if (numLabels) return Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
    throw new UserError("config.json has no id2label, so the classes of this checkpoint are unknown");
  }
  const entries = Object.entries(id2label as Record<string, unknown>).map(
    ([k, v]) => [Number(k), String(v)] as const,
  );
  entries.sort((a, b) => a[0] - b[0]);
  entries.forEach(([id], i) => {
    if (id !== i)
      throw new UserError(
        `config.json id2label must number classes 0..n-1; got ids ${entries.map((e) => e[0])}`,
      );
  });
  return entries.map(([, v]) => v);
}

/**
 * Decide each class's polarity score from its name.
 * @param override scores from the `labelScores` option, one per class, for checkpoints whose names say nothing.
 * @throws UserError when the names are not recognised and no override is given.
 */
export function mapLabels(labels: string[], override?: number[]): LabelMapping {
  if (labels.length < 2)
    throw new UserError(`a sentiment checkpoint needs at least 2 classes; got ${labels.length}`);
  if (override) {
    if (override.length !== labels.length) {
      throw new UserError(
        `labelScores has ${override.length} values but the checkpoint has ${labels.length} classes (${labels.join(", ")})`,
      );
    }
    return { labels, scores: override, scheme: "custom", hasRating: false, rule: "labelScores option" };
  }
  const names = labels.map((l) => l.trim().toLowerCase());

  const named = names.map((n) => NAMED.find(([re]) => re.test(n))?.[1]);
  if (named.every((r) => r !== undefined) && new Set(named).size === named.length) {
    const ranks = named as number[];
    const scheme: LabelScheme = ranks.length === 2 ? "binary" : ranks.length === 3 ? "ternary" : "five-point";
    return {
      labels,
      scores: normalise(ranks),
      scheme,
      hasRating: false,
      rule: "sentiment names in id2label",
    };
  }

  // "1 star" .. "5 stars", or bare numbers 1..k (k >= 3) that can only be a rating scale.
  const bare = names.every((n, i) => n === String(i + 1)) && names.length >= 3;
  const stars = bare ? names : names.map((n) => STARS.exec(n)?.[1]);
  if (stars.every((s) => s !== undefined) && new Set(stars).size === stars.length) {
    return {
      labels,
      scores: normalise(stars.map(Number)),
      scheme: "stars",
      hasRating: true,
      rule: "star ratings in id2label",
    };
  }

  // LABEL_0.. carries no meaning by itself; use the conventions of the checkpoints that ship this way:
  // binary = [negative, positive] (SST-2, IMDb fine-tunes), three = [negative, neutral, positive]
  // (cardiffnlp twitter-roberta-sentiment), five = 1-5 stars (Yelp/Amazon review fine-tunes).
  const generic = names.map((n) => GENERIC.exec(n)?.[1]);
  if (generic.every((g, i) => g !== undefined && Number(g) === i)) {
    const k = labels.length;
    const rule = "LABEL_i convention (0 = most negative); pass ?labelScores=... if this checkpoint differs";
    if (k === 2) return { labels, scores: [0, 1], scheme: "binary", hasRating: false, rule };
    if (k === 3) return { labels, scores: [0, 0.5, 1], scheme: "ternary", hasRating: false, rule };
    if (k === 5)
      return { labels, scores: normalise([1, 2, 3, 4, 5]), scheme: "stars", hasRating: true, rule };
  }

  throw new UserError(
    `cannot tell which classes are positive from id2label (${labels.join(", ")}); ` +
      `pass one polarity score per class, e.g. hf:<checkpoint>?labelScores=${labels.map((_, i) => (i === labels.length - 1 ? 1 : 0)).join(",")}`,
  );
}

/** Softmax of one row of logits, in float64. */
export function softmax(logits: ArrayLike<number>, offset = 0, k = logits.length): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < k; i++) max = Math.max(max, logits[offset + i]);
  const out = new Float64Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    out[i] = Math.exp(logits[offset + i] - max);
    sum += out[i];
  }
  for (let i = 0; i < k; i++) out[i] /= sum;
  return out;
}

/** P(positive) of one class distribution. */
export function positiveProbability(probs: ArrayLike<number>, mapping: LabelMapping): number {
  let p = 0;
  for (let i = 0; i < mapping.scores.length; i++) p += probs[i] * mapping.scores[i];
  return Math.min(1, Math.max(0, p));
}

/** Expected position on the scale, as an IMDb-style 1-10 rating (only meaningful when hasRating). */
export function ratingFromProbs(probs: ArrayLike<number>, mapping: LabelMapping): number {
  return 1 + 9 * positiveProbability(probs, mapping);
}
