// The word2vec training loop over typed arrays, shared by the one-thread path and the Hogwild workers
// (word2vec-worker.ts): the state lives in plain or SharedArrayBuffer-backed arrays, so threads can
// update the same vectors without locks, as word2vec.c does.

import { rng } from "../util/random.ts";
import type { Word2VecOptions } from "./word2vec.ts";

const NEGATIVE_TABLE_SIZE = 1 << 24;
const MAX_EXP = 6;

/** Documents packed end to end: document d is ids[offsets[d] .. offsets[d+1]). */
export interface Corpus {
  ids: Int32Array;
  offsets: Uint32Array;
}

export interface Word2VecState {
  corpus: Corpus;
  /** Probability of keeping each word (subsampling); 0 for ids that are never trained (count 0). */
  keep: Float64Array;
  /** Word ids repeated in proportion to count^0.75, for drawing negatives. */
  table: Int32Array;
  input: Float32Array;
  output: Float32Array;
  /** [0] tokens of counted words visited so far, [1] documents visited (all threads): drives the rate and progress. */
  progress: BigInt64Array;
  options: Pick<Word2VecOptions, "method" | "dim" | "window" | "negative" | "learningRate"> & {
    /** epochs × the tokens of counted words: the rate reaches its floor when this much work is done. */
    totalWork: number;
  };
}

function allocate<T extends Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array>(
  Kind: { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number },
  length: number,
  shared: boolean,
): T {
  const bytes = length * Kind.BYTES_PER_ELEMENT;
  return new Kind(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

export function packCorpus(docs: readonly Int32Array[], shared = false): Corpus {
  const offsets = allocate(Uint32Array, docs.length + 1, shared);
  for (let d = 0; d < docs.length; d++) offsets[d + 1] = offsets[d] + docs[d].length;
  const ids = allocate(Int32Array, offsets[docs.length], shared);
  for (let d = 0; d < docs.length; d++) ids.set(docs[d], offsets[d]);
  return { ids, offsets };
}

/** word2vec.c's unigram table: id i fills a share of the slots ∝ counts[i]^0.75; zero counts are never drawn. */
export function negativeTable(
  counts: ArrayLike<number>,
  size = NEGATIVE_TABLE_SIZE,
  shared = false,
): Int32Array {
  const table = allocate(Int32Array, size, shared);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ** 0.75;
  let word = 0;
  let cumulative = 0;
  for (let i = 0; i < table.length; i++) {
    while (
      word < counts.length - 1 &&
      (counts[word] === 0 || (i + 0.5) / table.length > cumulative + counts[word] ** 0.75 / total)
    ) {
      cumulative += counts[word] ** 0.75 / total;
      word++;
    }
    table[i] = word;
  }
  return table;
}

/** Fresh vectors (input U(-0.5/dim, 0.5/dim) from the seed, output zero), in shared memory when `shared`. */
export function newState(
  docs: readonly Int32Array[],
  counts: Float64Array,
  o: Word2VecOptions,
  shared: boolean,
): Word2VecState {
  const V = counts.length;
  const D = o.dim;
  let corpusTokens = 0;
  for (const c of counts) corpusTokens += c;
  const keep = allocate(Float64Array, V, shared);
  for (let w = 0; w < V; w++) {
    const c = counts[w];
    const ratio = (o.sample * corpusTokens) / c;
    keep[w] = c === 0 ? 0 : o.sample <= 0 ? 1 : Math.min(1, Math.sqrt(ratio) + ratio);
  }
  const random = rng(o.seed);
  const input = allocate(Float32Array, V * D, shared);
  for (let i = 0; i < input.length; i++) input[i] = (random() - 0.5) / D;
  return {
    corpus: packCorpus(docs, shared),
    keep,
    table: negativeTable(counts, NEGATIVE_TABLE_SIZE, shared),
    input,
    output: allocate(Float32Array, V * D, shared),
    progress: allocate(BigInt64Array, 2, shared),
    options: {
      method: o.method,
      dim: D,
      window: o.window,
      negative: o.negative,
      learningRate: o.learningRate,
      totalWork: o.epochs * corpusTokens,
    },
  };
}

/**
 * One pass over the documents `order` lists. `report` is awaited every 2,000 documents (progress, and a
 * turn for the event loop in the one-thread path).
 */
export async function trainDocuments(
  state: Word2VecState,
  order: Uint32Array,
  random: () => number,
  report?: (documentsDone: number) => Promise<void> | void,
): Promise<void> {
  const { corpus, keep, table, input, output, progress } = state;
  const { method, dim: D, window, negative, learningRate, totalWork } = state.options;
  const h = new Float32Array(D);
  const grad = new Float32Array(D);
  let longest = 0;
  for (let d = 0; d + 1 < corpus.offsets.length; d++)
    longest = Math.max(longest, corpus.offsets[d + 1] - corpus.offsets[d]);
  const sentence = new Int32Array(longest);

  // One logistic step of the pair (h, output row of `word`); accumulates the gradient for h in `grad`.
  const step = (word: number, label: number, lr: number) => {
    const row = word * D;
    let dot = 0;
    for (let k = 0; k < D; k++) dot += h[k] * output[row + k];
    const p = dot > MAX_EXP ? 1 : dot < -MAX_EXP ? 0 : 1 / (1 + Math.exp(-dot));
    const g = lr * (label - p);
    for (let k = 0; k < D; k++) {
      grad[k] += g * output[row + k];
      output[row + k] += g * h[k];
    }
  };
  const steps = (centre: number, lr: number) => {
    grad.fill(0);
    step(centre, 1, lr);
    for (let n = 0; n < negative; n++) {
      const w = table[Math.floor(random() * NEGATIVE_TABLE_SIZE)];
      if (w !== centre) step(w, 0, lr);
    }
  };

  for (let n = 0; n < order.length; n++) {
    const from0 = corpus.offsets[order[n]];
    const to0 = corpus.offsets[order[n] + 1];
    const lr = Math.max(learningRate * 1e-4, learningRate * (1 - Number(progress[0]) / totalWork));
    // Count only the words the total counts (unknown and padding ids are not in it).
    let counted = 0;
    let len = 0;
    for (let i = from0; i < to0; i++) {
      const w = corpus.ids[i];
      if (keep[w] > 0) counted++;
      if (keep[w] >= 1 || (keep[w] > 0 && random() < keep[w])) sentence[len++] = w;
    }
    Atomics.add(progress, 0, BigInt(counted));
    Atomics.add(progress, 1, 1n);
    for (let pos = 0; pos < len; pos++) {
      const centre = sentence[pos];
      const b = 1 + Math.floor(random() * window);
      const from = Math.max(0, pos - b);
      const to = Math.min(len - 1, pos + b);
      if (method === "cbow") {
        const contexts = to - from;
        if (contexts === 0) continue;
        h.fill(0);
        for (let c = from; c <= to; c++) {
          if (c === pos) continue;
          const row = sentence[c] * D;
          for (let k = 0; k < D; k++) h[k] += input[row + k];
        }
        for (let k = 0; k < D; k++) h[k] /= contexts;
        steps(centre, lr);
        for (let c = from; c <= to; c++) {
          if (c === pos) continue;
          const row = sentence[c] * D;
          for (let k = 0; k < D; k++) input[row + k] += grad[k];
        }
      } else {
        for (let c = from; c <= to; c++) {
          if (c === pos) continue;
          const row = sentence[c] * D;
          for (let k = 0; k < D; k++) h[k] = input[row + k];
          steps(centre, lr);
          for (let k = 0; k < D; k++) input[row + k] += grad[k];
        }
      }
    }
    if (report && n % 2000 === 1999) await report(n + 1);
  }
}
