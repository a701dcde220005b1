// Linear solvers over binary sparse documents whose active features carry a per-feature value
// (the NB log-count ratio): x_ij = scale[j] for j in doc i, 0 elsewhere.
//
// Both solvers are dual coordinate descent, as in LIBLINEAR: one pass touches each non-zero once
// and only the weight vector lives in feature space, so 2^24 hashed features cost 128 MB, not the
// gigabytes a quasi-Newton history would. A constant feature of value 1 is appended for the bias
// (regularised like the other weights, LIBLINEAR's convention).
import { rng } from "../../util/random.ts";

/** Binary CSR matrix: row i's active features are indices[indptr[i] .. indptr[i+1]). */
export interface BinaryCsr {
  rows: number;
  indptr: Uint32Array;
  indices: Uint32Array;
}

export interface LinearWeights {
  /** Weight per feature (hashed bucket). */
  w: Float64Array;
  bias: number;
}

export interface SolverOptions {
  /** Inverse regularisation strength (C in LIBLINEAR / scikit-learn). */
  C: number;
  maxEpochs?: number;
  /** Stop when the largest projected gradient of an epoch falls below this. */
  tolerance?: number;
  seed?: number;
  /** Per-example weights (scale each example's C); default 1. */
  sampleWeights?: Float32Array;
  onEpoch?: (epoch: number, gradientMax: number) => void;
}

function rowDot(x: BinaryCsr, scale: Float32Array, w: Float64Array, bias: number, i: number): number {
  let s = bias;
  for (let p = x.indptr[i], end = x.indptr[i + 1]; p < end; p++) {
    const j = x.indices[p];
    s += w[j] * scale[j];
  }
  return s;
}

function rowAxpy(x: BinaryCsr, scale: Float32Array, w: Float64Array, i: number, delta: number): void {
  for (let p = x.indptr[i], end = x.indptr[i + 1]; p < end; p++) {
    const j = x.indices[p];
    w[j] += delta * scale[j];
  }
}

function rowSquaredNorm(x: BinaryCsr, scale: Float32Array, i: number): number {
  let s = 1; // bias feature
  for (let p = x.indptr[i], end = x.indptr[i + 1]; p < end; p++) {
    const v = scale[x.indices[p]];
    s += v * v;
  }
  return s;
}

function permutation(n: number, random: () => number, out: Uint32Array): void {
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/**
 * L2-regularised logistic regression, dual coordinate descent with a Newton step per coordinate
 * (Yu, Huang & Lin 2011; LIBLINEAR -s 7). Minimises ½‖w‖² + C Σ log(1 + exp(-y_i w·x_i)).
 */
export function fitLogisticDual(
  x: BinaryCsr,
  scale: Float32Array,
  labels: Uint8Array,
  dim: number,
  options: SolverOptions,
): LinearWeights {
  const maxEpochs = options.maxEpochs ?? 50;
  const eps = options.tolerance ?? 0.05;
  const n = x.rows;
  const upper = (i: number) => options.C * (options.sampleWeights ? options.sampleWeights[i] : 1);
  const w = new Float64Array(dim);
  let bias = 0;
  // alpha[2i] is α_i, alpha[2i+1] is C - α_i (kept separately for precision near the bounds).
  const alpha = new Float64Array(2 * n);
  const xx = new Float64Array(n);
  const y = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = labels[i] ? 1 : -1;
    const C = upper(i);
    alpha[2 * i] = Math.min(0.001 * C, 1e-8);
    alpha[2 * i + 1] = C - alpha[2 * i];
    xx[i] = rowSquaredNorm(x, scale, i);
    rowAxpy(x, scale, w, i, y[i] * alpha[2 * i]);
    bias += y[i] * alpha[2 * i];
  }
  const order = new Uint32Array(n);
  const random = rng(options.seed ?? 0);
  let innerEps = 1e-2;
  const innerEpsMin = Math.min(1e-8, eps);
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    permutation(n, random, order);
    let newtonSteps = 0;
    let gMax = 0;
    for (let s = 0; s < n; s++) {
      const i = order[s];
      const yi = y[i];
      const a = xx[i];
      const C = upper(i);
      const b = yi * rowDot(x, scale, w, bias, i);
      let ind1 = 2 * i;
      let ind2 = 2 * i + 1;
      let sign = 1;
      if (0.5 * a * (alpha[ind2] - alpha[ind1]) + b < 0) {
        ind1 = 2 * i + 1;
        ind2 = 2 * i;
        sign = -1;
      }
      const alphaOld = alpha[ind1];
      let z = alphaOld;
      if (C - z < 0.5 * C) z = 0.1 * z;
      let gp = a * (z - alphaOld) + sign * b + Math.log(z / (C - z));
      gMax = Math.max(gMax, Math.abs(gp));
      let inner = 0;
      while (inner <= 100 && Math.abs(gp) >= innerEps) {
        const gpp = a + C / (C - z) / z;
        const next = z - gp / gpp;
        z = next <= 0 ? z * 0.1 : next;
        gp = a * (z - alphaOld) + sign * b + Math.log(z / (C - z));
        newtonSteps++;
        inner++;
      }
      if (inner > 0) {
        alpha[ind1] = z;
        alpha[ind2] = C - z;
        const delta = sign * (z - alphaOld) * yi;
        rowAxpy(x, scale, w, i, delta);
        bias += delta;
      }
    }
    options.onEpoch?.(epoch + 1, gMax);
    if (gMax < eps) break;
    if (newtonSteps <= n / 10) innerEps = Math.max(innerEpsMin, 0.1 * innerEps);
  }
  return { w, bias };
}

/**
 * Ridge regression by dual coordinate descent (SDCA for the squared loss):
 * minimises ½‖w‖² + (C/2) Σ (t_i - w·x_i)². Targets should be centred by the caller.
 */
export function fitRidgeDual(
  x: BinaryCsr,
  scale: Float32Array,
  targets: Float64Array,
  dim: number,
  options: SolverOptions,
): LinearWeights {
  const { C } = options;
  const maxEpochs = options.maxEpochs ?? 30;
  const eps = options.tolerance ?? 1e-3;
  const n = x.rows;
  const w = new Float64Array(dim);
  let bias = 0;
  const alpha = new Float64Array(n);
  const xx = new Float64Array(n);
  for (let i = 0; i < n; i++) xx[i] = rowSquaredNorm(x, scale, i);
  const order = new Uint32Array(n);
  const random = rng(options.seed ?? 0);
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    permutation(n, random, order);
    let maxDelta = 0;
    for (let s = 0; s < n; s++) {
      const i = order[s];
      const residual = targets[i] - rowDot(x, scale, w, bias, i) - alpha[i] / C;
      const delta = residual / (xx[i] + 1 / C);
      alpha[i] += delta;
      rowAxpy(x, scale, w, i, delta);
      bias += delta;
      maxDelta = Math.max(maxDelta, Math.abs(delta));
    }
    options.onEpoch?.(epoch + 1, maxDelta);
    if (maxDelta < eps) break;
  }
  return { w, bias };
}

/** w·x_i + b for every row. */
export function decisionFunction(x: BinaryCsr, scale: Float32Array, weights: LinearWeights): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = rowDot(x, scale, weights.w, weights.bias, i);
  return out;
}
