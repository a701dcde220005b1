// GloVe word vectors trained on the project's own corpus (IMDb train + unlabeled reviews), because
// the published glove.6B files cannot be downloaded here. Same objective and optimiser as the
// reference implementation: weighted least squares on log co-occurrences,
//   J = sum_ij f(X_ij) (w_i . c_j + b_i + b'_j - log X_ij)^2,  f(x) = min(1, (x / xMax)^alpha),
// trained with AdaGrad; the saved vector of a word is w + c (GloVe's default "model 2" output).
import { rng, shuffle } from "../util/random.ts";
import { CooccurrenceTable, countDocument } from "./cooccurrence.ts";
import { buildVocabulary, type EmbeddingProgress, toIds, type WordVectors } from "./vocabulary.ts";

export interface GloveOptions {
  dim: number;
  window: number;
  minCount: number;
  maxVocab: number;
  epochs: number;
  learningRate: number;
  xMax: number;
  alpha: number;
  seed: number;
}

export const DEFAULT_GLOVE: GloveOptions = {
  dim: 100,
  window: 10,
  minCount: 5,
  maxVocab: 30_000,
  epochs: 15,
  learningRate: 0.05,
  xMax: 100,
  alpha: 0.75,
  seed: 0,
};

/** Vocabulary by frequency, then co-occurrences, then AdaGrad epochs. `documents` are token lists. */
export async function trainGlove(
  documents: readonly (readonly string[])[],
  options: Partial<GloveOptions> = {},
  onProgress?: (p: EmbeddingProgress) => void,
): Promise<WordVectors & { loss: number; pairs: number }> {
  const o = { ...DEFAULT_GLOVE, ...options };
  const { words, index } = buildVocabulary(documents, o.minCount, o.maxVocab);
  const V = words.length;

  const table = new CooccurrenceTable(V);
  for (let d = 0; d < documents.length; d++) {
    countDocument(table, toIds(documents[d], index), o.window);
    if (d % 2000 === 0) {
      onProgress?.({ phase: "co-occurrences", done: d, total: documents.length });
      await new Promise((r) => setImmediate(r));
    }
  }
  onProgress?.({
    phase: "co-occurrences",
    done: documents.length,
    total: documents.length,
    metrics: { pairs: table.size },
  });
  const { rows, cols, counts: x } = table.entries();
  const logX = x.map(Math.log);
  const weight = x.map((v) => (v < o.xMax ? (v / o.xMax) ** o.alpha : 1));

  // Parameters: word vectors W, context vectors C, biases; AdaGrad accumulators start at 1 as in glove.c.
  const random = rng(o.seed);
  const D = o.dim;
  const W = Float32Array.from({ length: V * D }, () => (random() - 0.5) / D);
  const C = Float32Array.from({ length: V * D }, () => (random() - 0.5) / D);
  const bw = new Float32Array(V);
  const bc = new Float32Array(V);
  const gW = new Float32Array(V * D).fill(1);
  const gC = new Float32Array(V * D).fill(1);
  const gbw = new Float32Array(V).fill(1);
  const gbc = new Float32Array(V).fill(1);
  const order = Uint32Array.from({ length: rows.length }, (_, i) => i);
  const lr = o.learningRate;

  // One AdaGrad update of the pair (word i, context j).
  const update = (i: number, j: number, e: number): number => {
    const wi = i * D;
    const cj = j * D;
    let dot = 0;
    for (let k = 0; k < D; k++) dot += W[wi + k] * C[cj + k];
    const diff = dot + bw[i] + bc[j] - logX[e];
    const fdiff = weight[e] * diff;
    for (let k = 0; k < D; k++) {
      const gw = fdiff * C[cj + k];
      const gc = fdiff * W[wi + k];
      W[wi + k] -= (lr * gw) / Math.sqrt(gW[wi + k]);
      C[cj + k] -= (lr * gc) / Math.sqrt(gC[cj + k]);
      gW[wi + k] += gw * gw;
      gC[cj + k] += gc * gc;
    }
    bw[i] -= (lr * fdiff) / Math.sqrt(gbw[i]);
    bc[j] -= (lr * fdiff) / Math.sqrt(gbc[j]);
    gbw[i] += fdiff * fdiff;
    gbc[j] += fdiff * fdiff;
    return 0.5 * fdiff * diff;
  };

  let loss = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, random);
    loss = 0;
    for (let n = 0; n < order.length; n++) {
      const e = order[n];
      const i = rows[e];
      const j = cols[e];
      // The table holds each unordered pair once; X is symmetric, so train both orders.
      loss += update(i, j, e);
      if (i !== j) loss += update(j, i, e);
      if (n % 200_000 === 0) {
        onProgress?.({ phase: `epoch ${epoch + 1}/${o.epochs}`, done: n, total: order.length });
        await new Promise((r) => setImmediate(r));
      }
    }
    loss /= order.length;
    onProgress?.({
      phase: `epoch ${epoch + 1}/${o.epochs}`,
      done: order.length,
      total: order.length,
      metrics: { loss },
    });
  }
  const data = new Float32Array(V * D);
  for (let k = 0; k < V * D; k++) data[k] = W[k] + C[k];
  return { words, dim: D, data, loss, pairs: rows.length };
}
