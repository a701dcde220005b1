// The vocabulary both word-vector trainers (GloVe, word2vec) start from: words seen at least
// `minCount` times, most frequent first (ties alphabetical, so a run is reproducible), at most
// `maxVocab` of them; documents become arrays of word ids with the dropped words removed.

export interface WordVectors {
  words: string[];
  dim: number;
  /** Row-major [words.length, dim]. */
  data: Float32Array;
}

export interface EmbeddingProgress {
  phase: string;
  done: number;
  total: number;
  metrics?: Record<string, number>;
}

export interface Vocabulary {
  words: string[];
  /** Occurrences of each word in the corpus. */
  counts: Float64Array;
  index: Map<string, number>;
}

export function buildVocabulary(
  documents: readonly (readonly string[])[],
  minCount: number,
  maxVocab: number,
): Vocabulary {
  const counts = new Map<string, number>();
  for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
  const kept = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxVocab);
  if (kept.length < 2)
    throw new Error(`only ${kept.length} words occur ${minCount}+ times; need a larger corpus`);
  const words = kept.map(([w]) => w);
  return {
    words,
    counts: Float64Array.from(kept, ([, c]) => c),
    index: new Map(words.map((w, i) => [w, i])),
  };
}

/** A document as vocabulary ids, out-of-vocabulary words removed. */
export function toIds(doc: readonly string[], index: Map<string, number>): Int32Array {
  const ids: number[] = [];
  for (const t of doc) {
    const id = index.get(t);
    if (id !== undefined) ids.push(id);
  }
  return Int32Array.from(ids);
}
