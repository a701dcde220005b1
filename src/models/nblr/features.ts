// Document -> binary hashed n-gram rows, and the Naive Bayes log-count ratio that scales them
// (Wang & Manning 2012, "Baselines and Bigrams": NB features fed to a discriminative model).

import { countNgrams, type NgramConfig, ngramBuckets } from "../../text/ngrams.ts";
import { type PreprocessConfig, tokenize } from "../../text/preprocess.ts";
import type { BinaryCsr } from "./solver.ts";

export function featurize(
  texts: readonly string[],
  preprocess: PreprocessConfig,
  ngrams: NgramConfig,
  onProgress?: (done: number) => void,
): BinaryCsr {
  const rows: Uint32Array[] = [];
  let nnz = 0;
  let scratch = new Uint32Array(4096);
  for (let i = 0; i < texts.length; i++) {
    const tokens = tokenize(texts[i], preprocess);
    const need = countNgrams(tokens.length, ngrams);
    if (need > scratch.length) scratch = new Uint32Array(need * 2);
    const row = ngramBuckets(tokens, ngrams, scratch).slice(); // own copy: the result views `scratch`
    rows.push(row);
    nnz += row.length;
    if (onProgress && (i + 1) % 1000 === 0) onProgress(i + 1);
  }
  const indptr = new Uint32Array(texts.length + 1);
  const indices = new Uint32Array(nnz);
  let p = 0;
  for (let i = 0; i < rows.length; i++) {
    indices.set(rows[i], p);
    p += rows[i].length;
    indptr[i + 1] = p;
  }
  return { rows: texts.length, indptr, indices };
}

/**
 * r_j = log((p_j / |p|₁) / (q_j / |q|₁)) with p_j = α + #positive documents containing j, q_j likewise
 * for negatives. Norms run over the buckets seen in training, so the hash size does not shift r.
 * Buckets never seen get r = 0 (they carry no evidence).
 */
export function nbRatio(x: BinaryCsr, labels: Uint8Array, dim: number, alpha: number): Float32Array {
  const pos = new Uint32Array(dim);
  const neg = new Uint32Array(dim);
  for (let i = 0; i < x.rows; i++) {
    const counts = labels[i] ? pos : neg;
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) counts[x.indices[p]]++;
  }
  let pSum = 0;
  let qSum = 0;
  for (let j = 0; j < dim; j++) {
    if (pos[j] + neg[j] === 0) continue;
    pSum += pos[j] + alpha;
    qSum += neg[j] + alpha;
  }
  const r = new Float32Array(dim);
  const offset = Math.log(qSum / pSum);
  for (let j = 0; j < dim; j++) {
    if (pos[j] + neg[j] === 0) continue;
    r[j] = Math.log((pos[j] + alpha) / (neg[j] + alpha)) + offset;
  }
  return r;
}

/** Keep only the rows listed (for train/validation subsets of one featurised corpus). */
export function selectRows(x: BinaryCsr, rowIds: ArrayLike<number>): BinaryCsr {
  let nnz = 0;
  for (let k = 0; k < rowIds.length; k++) nnz += x.indptr[rowIds[k] + 1] - x.indptr[rowIds[k]];
  const indptr = new Uint32Array(rowIds.length + 1);
  const indices = new Uint32Array(nnz);
  let p = 0;
  for (let k = 0; k < rowIds.length; k++) {
    const i = rowIds[k];
    indices.set(x.indices.subarray(x.indptr[i], x.indptr[i + 1]), p);
    p += x.indptr[i + 1] - x.indptr[i];
    indptr[k + 1] = p;
  }
  return { rows: rowIds.length, indptr, indices };
}

/**
 * Renumber the columns that occur, most frequent first. Solvers then work on a dense index space a
 * fraction of 2^bits in size, and the hot (frequent) weights share cache lines: ~2x faster epochs.
 * Returns the renumbered matrix and, for each new column, the bucket it came from.
 */
export function compactColumns(x: BinaryCsr, dim: number, minDf = 1): { x: BinaryCsr; buckets: Uint32Array } {
  const df = new Uint32Array(dim);
  for (let p = 0; p < x.indices.length; p++) df[x.indices[p]]++;
  if (minDf > 1) for (let j = 0; j < dim; j++) if (df[j] < minDf) df[j] = 0;
  let used = 0;
  let maxDf = 0;
  for (let j = 0; j < dim; j++) {
    if (df[j] > 0) used++;
    if (df[j] > maxDf) maxDf = df[j];
  }
  // Counting sort of buckets by descending document frequency (stable in bucket order).
  const startOf = new Uint32Array(maxDf + 2);
  for (let j = 0; j < dim; j++) if (df[j] > 0) startOf[maxDf - df[j] + 1]++;
  for (let k = 1; k < startOf.length; k++) startOf[k] += startOf[k - 1];
  const buckets = new Uint32Array(used);
  const newId = df; // reuse: bucket -> new id (df no longer needed once placed)
  for (let j = 0; j < dim; j++) {
    if (df[j] === 0) continue;
    const slot = startOf[maxDf - df[j]]++;
    buckets[slot] = j;
  }
  newId.fill(0xffffffff);
  for (let k = 0; k < used; k++) newId[buckets[k]] = k;
  return { x: remapWith(x, newId), buckets };
}

function remapWith(x: BinaryCsr, newId: Uint32Array): BinaryCsr {
  const indptr = new Uint32Array(x.rows + 1);
  const indices = new Uint32Array(x.indices.length);
  let k = 0;
  for (let i = 0; i < x.rows; i++) {
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const id = newId[x.indices[p]];
      if (id !== 0xffffffff) indices[k++] = id;
    }
    indptr[i + 1] = k;
  }
  return { rows: x.rows, indptr, indices: indices.slice(0, k) };
}

/** Map rows from bucket space into a compact space; buckets unseen in training are dropped. */
export function remapRows(x: BinaryCsr, buckets: Uint32Array, dim: number): BinaryCsr {
  const newId = new Uint32Array(dim).fill(0xffffffff);
  for (let k = 0; k < buckets.length; k++) newId[buckets[k]] = k;
  return remapWith(x, newId);
}

/** Rows of `a` followed by rows of `b`. */
export function concatRows(a: BinaryCsr, b: BinaryCsr): BinaryCsr {
  const indptr = new Uint32Array(a.rows + b.rows + 1);
  indptr.set(a.indptr);
  const base = a.indices.length;
  for (let i = 1; i <= b.rows; i++) indptr[a.rows + i] = base + b.indptr[i];
  const indices = new Uint32Array(base + b.indices.length);
  indices.set(a.indices);
  indices.set(b.indices, base);
  return { rows: a.rows + b.rows, indptr, indices };
}
