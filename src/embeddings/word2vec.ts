// word2vec (Mikolov et al. 2013) trained on the project's own corpus: continuous bag of words or
// skip-gram, with negative sampling, subsampling of frequent words and a linearly decaying rate —
// the algorithm of the reference word2vec.c, in one thread over typed arrays.
//   CBOW:      h = mean of the context vectors; for the centre word (label 1) and `negative` words
//              drawn from unigram^0.75 (label 0): g = lr (label - σ(h·o)); o += g h; each context
//              vector += Σ g o.
//   skip-gram: the same update with h = the vector of one context word, for each context word.
// The first exploration found CBOW vectors a better start for a word CNN than GloVe's.
// Documents are visited in a new random order every epoch: with a decaying rate, a label-sorted
// corpus would leave the last-seen class's words freshest.
import { rng, shuffle } from "../util/random.ts";
import { buildVocabulary, type EmbeddingProgress, toIds, type WordVectors } from "./vocabulary.ts";

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
};

const NEGATIVE_TABLE_SIZE = 1 << 24;
const MAX_EXP = 6;

/** Word ids repeated in proportion to count^0.75 (word2vec.c's unigram table); zero counts never drawn. */
function negativeTable(counts: Float64Array): Int32Array {
  const table = new Int32Array(NEGATIVE_TABLE_SIZE);
  let total = 0;
  for (const c of counts) total += c ** 0.75;
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
  const V = counts.length;
  const D = o.dim;
  let corpusTokens = 0;
  for (const c of counts) corpusTokens += c;
  const keep = Float64Array.from(counts, (c) => {
    if (c === 0) return 0;
    if (o.sample <= 0) return 1;
    const ratio = (o.sample * corpusTokens) / c;
    return Math.min(1, Math.sqrt(ratio) + ratio);
  });
  const table = negativeTable(counts);

  const random = rng(o.seed);
  const input = Float32Array.from({ length: V * D }, () => (random() - 0.5) / D);
  const output = new Float32Array(V * D);
  const h = new Float32Array(D);
  const grad = new Float32Array(D);
  const sentence = new Int32Array(docs.reduce((m, d) => Math.max(m, d.length), 0));
  const order = Uint32Array.from({ length: docs.length }, (_, i) => i);
  const totalWork = o.epochs * corpusTokens;
  let done = 0;

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
    for (let n = 0; n < o.negative; n++) {
      const w = table[Math.floor(random() * NEGATIVE_TABLE_SIZE)];
      if (w !== centre) step(w, 0, lr);
    }
  };

  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    for (let n = 0; n < order.length; n++) {
      const doc = docs[order[n]];
      const lr = Math.max(o.learningRate * 1e-4, o.learningRate * (1 - done / totalWork));
      done += doc.length;
      let len = 0;
      for (const w of doc) if (keep[w] >= 1 || (keep[w] > 0 && random() < keep[w])) sentence[len++] = w;
      for (let pos = 0; pos < len; pos++) {
        const centre = sentence[pos];
        const b = 1 + Math.floor(random() * o.window);
        const from = Math.max(0, pos - b);
        const to = Math.min(len - 1, pos + b);
        if (o.method === "cbow") {
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
      if (n % 2000 === 0) {
        onProgress?.({ phase: `epoch ${epoch + 1}/${o.epochs}`, done: n, total: docs.length });
        await new Promise((r) => setImmediate(r));
      }
    }
    onProgress?.({ phase: `epoch ${epoch + 1}/${o.epochs}`, done: docs.length, total: docs.length });
  }
  return input;
}
