// Document vectors trained with cosine similarity (Thongtan & Phienthrakul 2019, "Sentiment
// Classification using Document Embeddings trained with Cosine Similarity"): PV-DBOW over word n-grams
// (Mesnil et al. 2015). Each document's vector d learns to predict the n-grams it contains against
// `negative` n-grams drawn from unigram^0.75, scored by a scaled cosine instead of a dot product:
//   p = σ(α · cos(d, v))      loss = −log p (an n-gram of the document), −log(1 − p) (a negative)
// so only directions matter, which the paper found ~1.5 points better than the dot product on IMDb.
// The vectors are a dense "view" of a review's n-grams that a linear classifier reads.
//
// Two phases, both SGD with a linearly decaying rate, run by the native kernel
// (packages/torch/src/native/docvectors.cc: V8 runs these row loops ~5x slower than vectorised C++):
//   train: the corpus (labelled train + unlabeled reviews) updates document and n-gram vectors;
//   infer: a new text's vector is fitted against the frozen n-gram vectors. Validation, test and served
//          reviews are only ever inferred, so the model stays inductive (no test text shapes it).
// Vectors start at unit scale (U(±√(3/dim)) per component): the cosine's gradient is ∝ 1/|d|, and the
// paper's tiny start (±0.5/dim) makes the first steps overshoot by orders of magnitude at higher rates.
import { availableParallelism } from "node:os";
import { loadTorch } from "../models/neural/torch.ts";
import { forEachNgram, type NgramConfig } from "../text/ngrams.ts";
import { rng, shuffle } from "../util/random.ts";
import type { EmbeddingProgress } from "./vocabulary.ts";
import { negativeTable, packCorpus } from "./word2vec-core.ts";

/** 2^21 entries (8 MB): small enough to stay in cache; the kernel's speed depends on it more than on dim. */
const NEGATIVE_TABLE_SIZE = 1 << 21;

export interface DocVectorOptions {
  dim: number;
  ngrams: NgramConfig;
  /** N-grams seen fewer times in the training corpus are dropped (the paper: 2). */
  minCount: number;
  negative: number;
  /** α, the cosine's scale inside the sigmoid (the paper: 6). */
  scale: number;
  epochs: number;
  /** Starting rate, decayed linearly to 0 over the epochs. */
  learningRate: number;
  inferEpochs: number;
  inferLearningRate: number;
  /** Hogwild threads (0 = one per core); more than one makes runs depend on thread timing. */
  threads: number;
  seed: number;
}

export const DEFAULT_DOCVECTORS: DocVectorOptions = {
  dim: 100,
  ngrams: { minN: 1, maxN: 3, hashBits: 24 },
  minCount: 2,
  negative: 5,
  scale: 6,
  epochs: 10,
  learningRate: 0.02,
  inferEpochs: 10,
  inferLearningRate: 0.02,
  threads: 0,
  seed: 0,
};

/** The kept n-grams: id i is hash bucket buckets[i] (sorted), seen counts[i] times. */
export interface NgramVocabulary {
  buckets: Uint32Array;
  counts: Float64Array;
}

/** Every n-gram occurrence of a token list, as hash buckets in text order. */
export function ngramOccurrences(tokens: readonly string[], config: NgramConfig): Uint32Array {
  const out: number[] = [];
  forEachNgram(tokens, config, (bucket) => out.push(bucket));
  return Uint32Array.from(out);
}

export function buildNgramVocabulary(
  documents: readonly Uint32Array[],
  hashBits: number,
  minCount: number,
): NgramVocabulary {
  const counts = new Uint32Array(2 ** hashBits);
  for (const d of documents) for (let i = 0; i < d.length; i++) counts[d[i]]++;
  let kept = 0;
  for (let b = 0; b < counts.length; b++) if (counts[b] >= minCount) kept++;
  if (kept < 2) throw new Error(`only ${kept} n-grams occur ${minCount}+ times; need a larger corpus`);
  const buckets = new Uint32Array(kept);
  const keptCounts = new Float64Array(kept);
  for (let b = 0, i = 0; b < counts.length; b++)
    if (counts[b] >= minCount) {
      buckets[i] = b;
      keptCounts[i++] = counts[b];
    }
  return { buckets, counts: keptCounts };
}

/** A document's occurrences as vocabulary ids (binary search), n-grams outside the vocabulary dropped. */
export function toNgramIds(occurrences: Uint32Array, vocabulary: NgramVocabulary): Int32Array {
  const { buckets } = vocabulary;
  const ids = new Int32Array(occurrences.length);
  let n = 0;
  for (let i = 0; i < occurrences.length; i++) {
    const b = occurrences[i];
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = buckets[mid];
      if (v === b) {
        ids[n++] = mid;
        break;
      }
      if (v < b) lo = mid + 1;
      else hi = mid - 1;
    }
  }
  return ids.slice(0, n);
}

/** The negative-sampling table of a vocabulary (the same for training, inference and a loaded model). */
export function samplingTable(vocabulary: NgramVocabulary): Int32Array {
  return negativeTable(vocabulary.counts, NEGATIVE_TABLE_SIZE);
}

function unitScaleVectors(length: number, dim: number, random: () => number): Float32Array {
  const a = new Float32Array(length);
  const scale = Math.sqrt(12 / dim);
  for (let i = 0; i < length; i++) a[i] = (random() - 0.5) * scale;
  return a;
}

/** Starting document vectors, each drawn from its own content: a text's vector never depends on its batch. */
function startingVectors(docs: readonly Int32Array[], dim: number, seed: number): Float32Array {
  const out = new Float32Array(docs.length * dim);
  docs.forEach((d, k) => {
    let h = seed ^ 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193);
    out.set(unitScaleVectors(dim, dim, rng(h)), k * dim);
  });
  return out;
}

interface Run {
  docs: readonly Int32Array[];
  ngrams: Float32Array;
  table: Int32Array;
  updateNgrams: boolean;
  epochs: number;
  learningRate: number;
  phase: string;
}

async function run(
  r: Run,
  o: DocVectorOptions,
  onProgress?: (p: EmbeddingProgress) => void,
): Promise<Float32Array> {
  const random = rng(o.seed ^ 0x2545f491);
  const { ids, offsets } = packCorpus(r.docs);
  const docs = startingVectors(r.docs, o.dim, o.seed);
  const order = Uint32Array.from({ length: r.docs.length }, (_, i) => i);
  const threads = o.threads || availableParallelism();
  const { docvecEpoch } = await loadTorch();
  for (let epoch = 0; epoch < r.epochs; epoch++) {
    onProgress?.({ phase: `${r.phase} epoch ${epoch + 1}/${r.epochs}`, done: epoch, total: r.epochs });
    // Documents shuffled every epoch: with a decaying rate, a label-sorted corpus would leave the last
    // class's n-grams freshest (the first exploration's paragraph vectors fell to chance that way).
    shuffle(order, random);
    await docvecEpoch({
      ids,
      offsets,
      docs,
      ngrams: r.ngrams,
      table: r.table,
      order,
      dim: o.dim,
      negative: o.negative,
      scale: o.scale,
      // Training decays the rate with the work done; inference keeps it constant within an epoch, so
      // a text's vector does not depend on how far through the batch it came.
      lrStart: r.learningRate * (1 - epoch / r.epochs),
      lrEnd: r.learningRate * (1 - (r.updateNgrams ? epoch + 1 : epoch) / r.epochs),
      updateNgrams: r.updateNgrams,
      threads,
      seed: o.seed * 1000 + epoch,
    });
  }
  onProgress?.({ phase: `${r.phase} done`, done: r.epochs, total: r.epochs });
  return docs;
}

export interface TrainedDocVectors {
  /** Row-major [vocabulary, dim], frozen after training. */
  ngrams: Float32Array;
  /** Row-major [corpus documents, dim], as trained jointly with the n-gram vectors. */
  docs: Float32Array;
  /** The negative-sampling table over the vocabulary, which inference draws from too. */
  table: Int32Array;
}

/** Train n-gram and document vectors on a corpus of documents given as vocabulary ids. */
export async function trainDocVectors(
  corpus: readonly Int32Array[],
  vocabulary: NgramVocabulary,
  options: Partial<DocVectorOptions> = {},
  onProgress?: (p: EmbeddingProgress) => void,
): Promise<TrainedDocVectors> {
  const o = { ...DEFAULT_DOCVECTORS, ...options };
  const ngrams = unitScaleVectors(vocabulary.buckets.length * o.dim, o.dim, rng(o.seed));
  const table = samplingTable(vocabulary);
  const docs = await run(
    {
      docs: corpus,
      ngrams,
      table,
      updateNgrams: true,
      epochs: o.epochs,
      learningRate: o.learningRate,
      phase: "doc vectors",
    },
    o,
    onProgress,
  );
  return { ngrams, docs, table };
}

/** Vectors of new documents against frozen n-gram vectors (row-major [documents, dim]). */
export async function inferDocVectors(
  documents: readonly Int32Array[],
  ngrams: Float32Array,
  table: Int32Array,
  options: Partial<DocVectorOptions> = {},
  onProgress?: (p: EmbeddingProgress) => void,
): Promise<Float32Array> {
  const o = { ...DEFAULT_DOCVECTORS, ...options };
  return run(
    {
      docs: documents,
      ngrams,
      table,
      updateNgrams: false,
      epochs: o.inferEpochs,
      learningRate: o.inferLearningRate,
      phase: "infer",
    },
    o,
    onProgress,
  );
}
