// L2-regularised logistic regression on dense document vectors, by Newton's method: with a few
// hundred features the Hessian (dim² entries) is small, and Newton converges in ~10 steps where
// gradient methods need thousands. The bias is not penalised.
import { sigmoid } from "../calibration.ts";

export interface DenseLogistic {
  weights: Float64Array;
  bias: number;
}

/** Cholesky solve of the symmetric positive definite a·x = b (a is overwritten). */
function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] ** 2;
    if (!(d > 0)) throw new Error("logistic regression: Hessian is not positive definite");
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) x[i] -= a[i * n + k] * x[k];
    x[i] /= a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) x[i] -= a[k * n + i] * x[k];
    x[i] /= a[i * n + i];
  }
  return x;
}

/** Decision values w·x + b of row-major rows [n, dim]. */
export function decision(model: DenseLogistic, x: Float64Array | Float32Array, dim: number): Float64Array {
  const n = x.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = model.bias;
    for (let k = 0; k < dim; k++) z += model.weights[k] * x[i * dim + k];
    out[i] = z;
  }
  return out;
}

/**
 * Fit on row-major rows x [n, dim] with 0/1 labels; `l2` penalises (l2 · n / 2)·|w|², i.e. it is per
 * example, so its scale does not depend on the training-set size.
 */
export function fitDenseLogistic(
  x: Float64Array | Float32Array,
  labels: Uint8Array,
  dim: number,
  l2: number,
  maxIterations = 30,
): DenseLogistic {
  const n = labels.length;
  const p = dim + 1; // the last parameter is the bias
  const theta = new Float64Array(p);
  const row = new Float64Array(p);
  row[dim] = 1;
  for (let iter = 0; iter < maxIterations; iter++) {
    const grad = new Float64Array(p);
    const hess = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < dim; k++) row[k] = x[i * dim + k];
      let z = 0;
      for (let k = 0; k < p; k++) z += theta[k] * row[k];
      const q = sigmoid(z);
      const r = q - labels[i];
      const w = q * (1 - q);
      for (let a = 0; a < p; a++) {
        grad[a] += r * row[a];
        const wa = w * row[a];
        // Lower triangle only; the Cholesky solve reads nothing else.
        for (let b = 0; b <= a; b++) hess[a * p + b] += wa * row[b];
      }
    }
    for (let k = 0; k < dim; k++) {
      grad[k] += l2 * n * theta[k];
      hess[k * p + k] += l2 * n;
    }
    hess[p * p - 1] += 1e-9 * n;
    const step = choleskySolve(hess, grad, p);
    let change = 0;
    for (let k = 0; k < p; k++) {
      theta[k] -= step[k];
      change = Math.max(change, Math.abs(step[k]));
    }
    if (change < 1e-8) break;
  }
  return { weights: theta.slice(0, dim), bias: theta[dim] };
}
