// Word-level occlusion for explanations of black-box checkpoints. transformers.js' tokenizer does not
// report character offsets of word pieces, so instead of occluding pieces we occlude the text itself:
// each unit (a word, or a run of symbols such as "!!!" or ":)") is removed from the raw text and the
// text is re-tokenised. The unit's spans are exact character offsets by construction, and removing a
// whole word removes all of its word pieces (leave-one-out, Li et al. 2016, "Understanding Neural
// Networks through Representation Erasure").
import { logit as logitOf } from "../calibration.ts";
import type { Explanation } from "../model.ts";

export interface Unit {
  start: number;
  end: number;
}

const UNIT = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]+/gu;

/**
 * Occlusion units of `text`. Past `maxUnits`, consecutive units are grouped so the cost of explaining
 * stays bounded (one forward pass per unit); the groups keep their character span.
 * @example occlusionUnits("Not bad!!") // [{start:0,end:3},{start:4,end:7},{start:7,end:9}]
 */
export function occlusionUnits(text: string, maxUnits = 256): Unit[] {
  const units: Unit[] = [];
  for (const m of text.matchAll(UNIT)) units.push({ start: m.index, end: m.index + m[0].length });
  if (units.length <= maxUnits) return units;
  const per = Math.ceil(units.length / maxUnits);
  const grouped: Unit[] = [];
  for (let i = 0; i < units.length; i += per) {
    grouped.push({ start: units[i].start, end: units[Math.min(i + per, units.length) - 1].end });
  }
  return grouped;
}

/** `text` with one unit replaced by a space (so its neighbours do not merge into a new word). */
export function withoutUnit(text: string, unit: Unit): string {
  return `${text.slice(0, unit.start)} ${text.slice(unit.end)}`;
}

/** Occlusion's logits clamp p to [1e-7, 1 - 1e-7]. */
const logit = (p: number) => logitOf(p, 1e-7);

/**
 * Leave-one-out explanation over words for a model seen only through `predictProba`:
 * contribution = logit(P(pos | text)) - logit(P(pos | text without the word)); `bias` is the logit of
 * the empty text, the model's prior. One batched call scores every variant.
 */
export async function explainByOcclusion(
  text: string,
  predictProba: (texts: readonly string[]) => Promise<Float64Array>,
): Promise<Explanation> {
  const units = occlusionUnits(text);
  const p = await predictProba([text, "", ...units.map((u) => withoutUnit(text, u))]);
  const full = logit(p[0]);
  return {
    text,
    tokens: units.map((u, i) => ({
      token: text.slice(u.start, u.end),
      start: u.start,
      end: u.end,
      contribution: full - logit(p[i + 2]),
    })),
    bias: logit(p[1]),
    logit: full,
    probability: p[0],
    method: "approximate",
  };
}
