// Long-review strategies: cut a text's word-piece ids (without special tokens) into the windows the
// model will see. A transformer only attends over `maxLength` positions, and about half of IMDb's
// reviews are longer than 256 word pieces, so what is kept decides what the model can read.
import type { LongTextStrategy } from "./options.ts";

export interface WindowOptions {
  strategy: LongTextStrategy;
  /** Tokens available per window for the text itself (maxLength minus the special tokens). */
  budget: number;
  headFraction: number;
  chunkOverlap: number;
  maxChunks: number;
}

/** Start offsets of `count` windows of `budget` tokens over `length` tokens, first at 0 and last flush with the end. */
function chunkStarts(length: number, budget: number, overlap: number, maxChunks: number): number[] {
  const step = Math.max(1, Math.floor(budget * (1 - overlap)));
  const last = length - budget;
  let count = Math.ceil(last / step) + 1;
  count = Math.min(count, maxChunks);
  if (count === 1) return [0];
  // Evenly spaced between 0 and `last`, so the cap thins the windows out instead of dropping the end.
  return Array.from({ length: count }, (_, i) => Math.round((i * last) / (count - 1)));
}

/**
 * Windows of body ids for one text.
 * @example
 * windowsFor([1, 2, 3, 4, 5, 6], { strategy: "head-tail", budget: 4, headFraction: 0.25, chunkOverlap: 0.5, maxChunks: 8 })
 * // -> [[1, 4, 5, 6]]
 */
export function windowsFor(ids: readonly number[], o: WindowOptions): number[][] {
  if (o.budget < 1) throw new RangeError(`window budget must be >= 1, got ${o.budget}`);
  if (ids.length <= o.budget) return [ids.slice()];
  switch (o.strategy) {
    case "truncate":
      return [ids.slice(0, o.budget)];
    case "head-tail": {
      const head = Math.round(o.budget * o.headFraction);
      const tail = o.budget - head;
      return [[...ids.slice(0, head), ...ids.slice(ids.length - tail)]];
    }
    case "chunks":
      return chunkStarts(ids.length, o.budget, o.chunkOverlap, o.maxChunks).map((s) =>
        ids.slice(s, s + o.budget),
      );
  }
}
