// Exact explanations for models that are linear in binary n-gram indicators (NB-LR, fastText):
// every n-gram that fires adds a fixed amount to the logit. That amount is shared equally between
// the n-gram's occurrences and, within one, between its tokens, so
//   bias + Σ token contributions == logit  and  sigmoid(logit) == predictProba.
import { forEachNgram, type NgramConfig } from "../text/ngrams.ts";
import { type PreprocessConfig, tokenizeWithOffsets } from "../text/preprocess.ts";
import { sigmoid } from "./calibration.ts";
import type { Explanation } from "./model.ts";

/**
 * @param contributions given the distinct buckets of the text, the calibrated logit contribution of
 *   each bucket the model knows (unknown buckets are left out of the map).
 * @param bias calibrated intercept.
 */
export function explainNgrams(
  text: string,
  preprocess: PreprocessConfig,
  ngrams: NgramConfig,
  contributions: (buckets: number[]) => Map<number, number>,
  bias: number,
): Explanation {
  const { cleaned, tokens } = tokenizeWithOffsets(text, preprocess);
  const words = tokens.map((t) => t.token);
  const occurrences = new Map<number, { position: number; n: number }[]>();
  forEachNgram(words, ngrams, (bucket, position, n) => {
    const list = occurrences.get(bucket);
    if (list) list.push({ position, n });
    else occurrences.set(bucket, [{ position, n }]);
  });
  const perToken = new Float64Array(tokens.length);
  const features: { feature: string; contribution: number }[] = [];
  let sum = 0;
  for (const [bucket, contribution] of contributions([...occurrences.keys()])) {
    const list = occurrences.get(bucket)!;
    sum += contribution;
    const first = list[0];
    features.push({ feature: words.slice(first.position, first.position + first.n).join(" "), contribution });
    for (const { position, n } of list) {
      const share = contribution / list.length / n;
      for (let k = 0; k < n; k++) perToken[position + k] += share;
    }
  }
  features.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return {
    text: cleaned,
    tokens: tokens.map((t, i) => ({ ...t, contribution: perToken[i] })),
    bias,
    logit: bias + sum,
    probability: sigmoid(bias + sum),
    method: "exact",
    features,
  };
}
