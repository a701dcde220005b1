// Platt scaling: P(positive) = σ(a·score + b), fitted on held-out scores by Newton's method on the
// log-loss, with Platt's smoothed targets so a separable validation set cannot push a to infinity.
// Shared by every family that produces an uncalibrated logit.
export interface Platt {
  a: number;
  b: number;
}

export const IDENTITY_PLATT: Platt = { a: 1, b: 0 };

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): Platt {
  const n = scores.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i] ? 1 : 0;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (n - nPos + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    // Gradient and Hessian of the mean log-loss in (a, b).
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const t = labels[i] ? hi : lo;
      const p = sigmoid(a * scores[i] + b);
      const d = p - t;
      const w = p * (1 - p);
      ga += d * scores[i];
      gb += d;
      haa += w * scores[i] * scores[i];
      hab += w * scores[i];
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}
