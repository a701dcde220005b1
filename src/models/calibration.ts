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

/** log(p / (1 - p)), with p clamped to [eps, 1 - eps] so that p = 0 or 1 stays finite. */
export function logit(p: number, eps = 1e-12): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q / (1 - q));
}

export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): Platt {
  const n = scores.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i] ? 1 : 0;
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (n - nPos + 2);
  const target = (i: number) => (labels[i] ? hi : lo);
  // Cross-entropy against the smoothed targets, computed stably.
  const objective = (a: number, b: number) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = a * scores[i] + b;
      f += (1 - target(i)) * z + (z >= 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
    }
    return f;
  };
  let a = 1;
  let b = 0;
  let f = objective(a, b);
  // Newton's method with backtracking (Lin, Lin & Weng 2007, "A note on Platt's probabilistic outputs").
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * scores[i] + b);
      const d = p - target(i);
      const w = p * (1 - p);
      ga += d * scores[i];
      gb += d;
      haa += w * scores[i] * scores[i];
      hab += w * scores[i];
      hbb += w;
    }
    if (Math.abs(ga) < 1e-8 && Math.abs(gb) < 1e-8) break;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    let step = 1;
    let improved = false;
    while (step >= 1e-10) {
      const fNew = objective(a + step * da, b + step * db);
      if (fNew < f + 1e-4 * step * (ga * da + gb * db)) {
        a += step * da;
        b += step * db;
        f = fNew;
        improved = true;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { a, b };
}

/**
 * Validation summary of raw scores under a Platt map: calibrated logits (what ensembles stack),
 * accuracy of the raw decision (score > 0) and log-loss of the calibrated probabilities.
 */
export function scoreValidation(
  scores: Float64Array,
  labels: Uint8Array,
  platt: Platt,
): { logits: Float64Array; accuracy: number; logLoss: number } {
  const logits = scores.map((s) => platt.a * s + platt.b);
  let correct = 0;
  let ll = 0;
  for (let i = 0; i < labels.length; i++) {
    if ((scores[i] > 0 ? 1 : 0) === labels[i]) correct++;
    const q = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(logits[i])));
    ll -= labels[i] ? Math.log(q) : Math.log(1 - q);
  }
  return { logits, accuracy: correct / labels.length, logLoss: ll / labels.length };
}
