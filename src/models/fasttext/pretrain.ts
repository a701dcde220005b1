// Word vectors from unlabeled text: skip-gram with negative sampling (Mikolov et al. 2013), used to
// initialise the fastText model's unigram embeddings so words rare in the labelled reviews start
// near the words they are used like. Trained on train + the 50,000 unlabeled IMDb reviews (never
// on test texts: the result stays inductive).
import { rng } from "../../util/random.ts";

export interface Word2VecOptions {
  dim: number;
  window?: number;
  negatives?: number;
  minCount?: number;
  /** Sub-sampling threshold for frequent words. */
  sample?: number;
  learningRate?: number;
  epochs?: number;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface WordVectors {
  words: string[];
  /** [words × dim], row-major. */
  vectors: Float32Array;
  dim: number;
}

export function trainWord2Vec(documents: readonly string[][], options: Word2VecOptions): WordVectors {
  const dim = options.dim;
  const window = options.window ?? 5;
  const negatives = options.negatives ?? 5;
  const minCount = options.minCount ?? 5;
  const sample = options.sample ?? 1e-4;
  const lr0 = options.learningRate ?? 0.025;
  const epochs = options.epochs ?? 1;
  const random = rng(options.seed ?? 0);

  const counts = new Map<string, number>();
  for (const doc of documents) for (const w of doc) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([w]) => w);
  const index = new Map(words.map((w, i) => [w, i]));
  const freq = Float64Array.from(words, (w) => counts.get(w)!);
  let totalWords = 0;
  for (const f of freq) totalWords += f;

  // Negative-sampling table: word i appears in proportion to count^0.75.
  const tableSize = 1 << 22;
  const table = new Int32Array(tableSize);
  let norm = 0;
  for (const f of freq) norm += f ** 0.75;
  let acc = 0;
  let w = 0;
  for (let k = 0; k < tableSize; k++) {
    if (k / tableSize > acc / norm && w < words.length) acc += freq[w++] ** 0.75;
    table[k] = Math.max(0, w - 1);
  }
  const keep = Float64Array.from(freq, (f) => {
    const r = f / totalWords / sample;
    return Math.min(1, (Math.sqrt(r) + 1) / r);
  });

  const input = new Float32Array(words.length * dim);
  for (let k = 0; k < input.length; k++) input[k] = (random() - 0.5) / dim;
  const output = new Float32Array(words.length * dim);
  const grad = new Float32Array(dim);
  const ids = new Int32Array(4096);
  const totalTokens = epochs * totalWords;
  let processed = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let docIndex = 0; docIndex < documents.length; docIndex++) {
      const doc = documents[docIndex];
      let n = 0;
      for (const token of doc) {
        processed++;
        const id = index.get(token);
        if (id === undefined || random() > keep[id] || n >= ids.length) continue;
        ids[n++] = id;
      }
      const lr = Math.max(lr0 * 1e-4, lr0 * (1 - processed / totalTokens));
      for (let pos = 0; pos < n; pos++) {
        const center = ids[pos] * dim;
        const span = 1 + Math.floor(random() * window);
        for (let c = Math.max(0, pos - span); c <= Math.min(n - 1, pos + span); c++) {
          if (c === pos) continue;
          grad.fill(0);
          for (let s = 0; s <= negatives; s++) {
            const target = s === 0 ? ids[c] : table[Math.floor(random() * tableSize)];
            if (s > 0 && target === ids[c]) continue;
            const out = target * dim;
            let dot = 0;
            for (let d = 0; d < dim; d++) dot += input[center + d] * output[out + d];
            const p = dot > 6 ? 1 : dot < -6 ? 0 : 1 / (1 + Math.exp(-dot));
            const g = ((s === 0 ? 1 : 0) - p) * lr;
            for (let d = 0; d < dim; d++) {
              grad[d] += g * output[out + d];
              output[out + d] += g * input[center + d];
            }
          }
          for (let d = 0; d < dim; d++) input[center + d] += grad[d];
        }
      }
      if (options.onProgress && docIndex % 1000 === 0) options.onProgress(processed, totalTokens);
    }
  }
  return { words, vectors: input, dim };
}
