// word2vec (Mikolov et al. 2013) trained on the project's own corpus: continuous bag of words or
// skip-gram, with negative sampling, subsampling of frequent words and a linearly decaying rate —
// the algorithm of the reference word2vec.c over typed arrays: in one thread (bit-exact for a seed) or,
// like word2vec.c, in several threads updating shared vectors without locks (Hogwild; word2vec-worker.ts).
//   CBOW:      h = mean of the context vectors; for the centre word (label 1) and `negative` words
//              drawn from unigram^0.75 (label 0): g = lr (label - σ(h·o)); o += g h; each context
//              vector += Σ g o.
//   skip-gram: the same update with h = the vector of one context word, for each context word.
// The first exploration found CBOW vectors a better start for a word CNN than GloVe's.
// Documents are visited in a new random order every epoch: with a decaying rate, a label-sorted
// corpus would leave the last-seen class's words freshest.
import { availableParallelism } from "node:os";
import { rng, shuffle } from "../util/random.ts";
import { buildVocabulary, type EmbeddingProgress, toIds, type WordVectors } from "./vocabulary.ts";
import { newState, trainDocuments } from "./word2vec-core.ts";
import { runEpoch, startWorkers } from "./word2vec-threads.ts";

export interface Word2VecOptions {
  method: "cbow" | "skipgram";
  dim: number;
  /** Largest context window (words each side); each centre word draws its window from 1..window. */
  window: number;
  negative: number;
  /** Subsampling threshold: words with frequency f are kept with probability sqrt(t/f) + t/f. */
  sample: number;
  minCount: number;
  maxVocab: number;
  epochs: number;
  /** Starting rate (word2vec.c: 0.05 for CBOW, 0.025 for skip-gram), decayed linearly to 1e-4 of it. */
  learningRate: number;
  seed: number;
  /**
   * Worker threads updating the shared vectors lock-free, as word2vec.c does: about n times faster on n
   * cores, but the result then depends on thread timing (1 = one thread, reproducible for a seed;
   * 0 = one per core).
   */
  threads: number;
}

export const DEFAULT_WORD2VEC: Word2VecOptions = {
  method: "cbow",
  dim: 100,
  window: 5,
  negative: 5,
  sample: 1e-4,
  minCount: 5,
  maxVocab: 100_000,
  epochs: 5,
  learningRate: 0.05,
  seed: 0,
  threads: 1,
};

/** Train on token lists: builds the vocabulary (minCount, maxVocab), then `trainWord2VecIds`. */
export async function trainWord2Vec(
  documents: readonly (readonly string[])[],
  options: Partial<Word2VecOptions> = {},
  onProgress?: (p: EmbeddingProgress) => void,
): Promise<WordVectors & { tokens: number }> {
  const o = { ...DEFAULT_WORD2VEC, ...options };
  const { words, counts, index } = buildVocabulary(documents, o.minCount, o.maxVocab);
  const docs = documents.map((d) => toIds(d, index));
  const data = await trainWord2VecIds(docs, counts, o, onProgress);
  let tokens = 0;
  for (const d of docs) tokens += d.length;
  return { words, dim: o.dim, data, tokens };
}

/**
 * Train on documents already turned into word ids 0..counts.length-1 (a model's own vocabulary).
 * Ids whose count is 0 (padding, unknown words) are skipped like out-of-vocabulary words.
 * Returns the input vectors, row-major [counts.length, dim].
 */
export async function trainWord2VecIds(
  docs: readonly Int32Array[],
  counts: Float64Array,
  options: Partial<Word2VecOptions> = {},
  onProgress?: (p: EmbeddingProgress) => void,
): Promise<Float32Array> {
  const o = { ...DEFAULT_WORD2VEC, ...options };
  const threads = Math.max(1, Math.min(o.threads || availableParallelism(), docs.length));
  const state = newState(docs, counts, o, threads > 1);
  // Its own stream: the seed's first numbers drew the starting vectors.
  const random = rng(o.seed ^ 0x5bd1e995);
  const order = Uint32Array.from({ length: docs.length }, (_, i) => i);
  const workers = threads > 1 ? await startWorkers(threads, state) : [];
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const phase = `epoch ${epoch + 1}/${o.epochs}`;
      shuffle(order, random);
      if (workers.length === 0) {
        await trainDocuments(state, order, random, async (n) => {
          onProgress?.({ phase, done: n, total: docs.length });
          await new Promise((r) => setImmediate(r));
        });
      } else {
        await runEpoch(workers, order, o.seed * 1000 + epoch, state.progress, (n) =>
          onProgress?.({ phase, done: n, total: docs.length }),
        );
      }
      onProgress?.({ phase, done: docs.length, total: docs.length });
    }
  } finally {
    for (const w of workers) await w.terminate();
  }
  return state.input;
}
