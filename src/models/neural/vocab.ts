// Word vocabulary of the neural families: the most frequent training words, with <PAD> = 0 and
// <UNK> = 1, and the encoder that turns preprocessed tokens into id sequences.
export const PAD = "<PAD>";
export const UNK = "<UNK>";
export const PAD_ID = 0;
export const UNK_ID = 1;

/** The `maxSize` most frequent tokens seen at least `minCount` times (ties broken alphabetically). */
export function buildVocab(
  documents: Iterable<readonly string[]>,
  maxSize: number,
  minCount: number,
): string[] {
  const counts = new Map<string, number>();
  for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
  const words = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxSize)
    .map(([w]) => w);
  return [PAD, UNK, ...words];
}

export class Encoder {
  readonly #ids: Map<string, number>;
  constructor(readonly words: readonly string[]) {
    if (words[PAD_ID] !== PAD || words[UNK_ID] !== UNK)
      throw new Error("vocabulary must start with <PAD>, <UNK>");
    this.#ids = new Map(words.map((w, i) => [w, i]));
  }
  get size(): number {
    return this.words.length;
  }
  id(token: string): number {
    return this.#ids.get(token) ?? UNK_ID;
  }
  /** First `maxLength` tokens as ids; an empty text becomes [<UNK>] so every sequence has length >= 1. */
  encode(tokens: readonly string[], maxLength: number): Int32Array {
    const n = Math.min(tokens.length, maxLength);
    if (n === 0) return Int32Array.of(UNK_ID);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.id(tokens[i]);
    return out;
  }
}
