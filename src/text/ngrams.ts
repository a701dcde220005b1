// Hashed word n-grams. Instead of a vocabulary, each n-gram is hashed into 2^bits buckets: memory
// is bounded whatever the corpus, featurising needs no lookup table, and at 2^24 buckets collisions
// cost no measurable accuracy on IMDb (measured in the first exploration: same accuracy as an
// exact vocabulary, 7x faster).
import { z } from "zod";

export const NgramConfigSchema = z.object({
  minN: z.number().int().min(1),
  maxN: z.number().int().min(1).max(5),
  hashBits: z.number().int().min(10).max(26),
});
export type NgramConfig = z.infer<typeof NgramConfigSchema>;

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a token (FNV-1a over UTF-16 code units, then fmix32). */
export function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Order-dependent combination of token hashes; n is mixed in so "a b" never equals the unigram hash. */
function ngramHash(tokenHashes: Uint32Array, start: number, n: number): number {
  let h = Math.imul(n, 0x9e3779b1);
  for (let k = 0; k < n; k++) h = Math.imul(h ^ tokenHashes[start + k], 0x01000193) + 0x7f4a7c15;
  return fmix32(h);
}

/** Visit the bucket of every n-gram occurrence, in order; `position`/`n` say which tokens it spans. */
export function forEachNgram(
  tokens: readonly string[],
  config: NgramConfig,
  visit: (bucket: number, position: number, n: number) => void,
): void {
  const shift = 32 - config.hashBits;
  const hashes = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) hashes[i] = hashToken(tokens[i]);
  for (let n = config.minN; n <= config.maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const h = n === 1 ? hashes[i] : ngramHash(hashes, i, n);
      visit(h >>> shift, i, n);
    }
  }
}

/**
 * Sorted, de-duplicated buckets of a token list: the binary bag-of-n-grams of one document.
 * With `scratch`, the result is a view into it, valid until the next call with the same scratch.
 */
export function ngramBuckets(
  tokens: readonly string[],
  config: NgramConfig,
  scratch?: Uint32Array,
): Uint32Array {
  const total = countNgrams(tokens.length, config);
  const out = scratch && scratch.length >= total ? scratch.subarray(0, total) : new Uint32Array(total);
  let k = 0;
  forEachNgram(tokens, config, (bucket) => {
    out[k++] = bucket;
  });
  out.sort();
  let unique = 0;
  for (let i = 0; i < total; i++) if (i === 0 || out[i] !== out[i - 1]) out[unique++] = out[i];
  // A view, not a copy: callers consume it before the next call reuses `scratch`.
  return out.subarray(0, unique);
}

export function countNgrams(length: number, config: NgramConfig): number {
  let total = 0;
  for (let n = config.minN; n <= config.maxN; n++) total += Math.max(0, length - n + 1);
  return total;
}
