// Tree-structured Parzen Estimator suggestions (Bergstra et al., "Algorithms for Hyper-Parameter
// Optimization", NeurIPS 2011), the method behind hyperopt and Optuna's default sampler, in its
// simple independent form: split finished trials into the best gamma share ("good") and the rest,
// model each dimension with a Parzen density per group, draw candidates from the good density and
// keep the one with the highest l(x)/g(x).
import type { Dimension, ParamValue, SearchSpace, TrialParams } from "./space.ts";
import { sampleRandom } from "./space.ts";

export interface Observation {
  params: TrialParams;
  /** Higher is better (callers negate losses). */
  score: number;
}

export interface TpeOptions {
  /** Random trials before the model is used. */
  startup?: number;
  /** Share of trials counted as good. */
  gamma?: number;
  /** Candidates drawn from l(x) per suggestion. */
  candidates?: number;
}

function gaussian(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI));
}

function normal(random: () => number): number {
  // Box-Muller
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Numeric dimensions are modelled in a transformed space: log for loguniform. */
function toUnit(d: Dimension, v: ParamValue): number {
  return d.type === "loguniform" ? Math.log(v as number) : (v as number);
}

function bounds(d: Exclude<Dimension, { type: "choice" }>): [number, number] {
  return d.type === "loguniform" ? [Math.log(d.low), Math.log(d.high)] : [d.low, d.high];
}

/**
 * Parzen estimator of one numeric dimension: a Gaussian per observation plus a wide prior kernel.
 * Each kernel's width is the larger distance to its neighbours (hyperopt's adaptive Parzen
 * estimator), clipped to [range / min(100, n + 1), range], so dense regions get sharp kernels.
 */
class NumericParzen {
  readonly mus: number[];
  readonly sigmas: number[];
  constructor(values: number[], lo: number, hi: number) {
    const range = hi - lo;
    const prior = (lo + hi) / 2;
    const sorted = [...values, prior].sort((a, b) => a - b);
    const minSigma = range / Math.min(100, values.length + 1);
    const width = (i: number) => {
      const left = i > 0 ? sorted[i] - sorted[i - 1] : sorted[i] - lo;
      const right = i < sorted.length - 1 ? sorted[i + 1] - sorted[i] : hi - sorted[i];
      return Math.min(range, Math.max(minSigma, left, right));
    };
    this.mus = [];
    this.sigmas = [];
    let priorSeen = false;
    sorted.forEach((mu, i) => {
      this.mus.push(mu);
      if (mu === prior && !priorSeen) {
        priorSeen = true;
        this.sigmas.push(range); // the prior stays wide so every region keeps some density
      } else this.sigmas.push(width(i));
    });
  }
  pdf(x: number): number {
    let s = 0;
    for (let i = 0; i < this.mus.length; i++) s += gaussian(x, this.mus[i], this.sigmas[i]);
    return s / this.mus.length;
  }
  sample(random: () => number, lo: number, hi: number): number {
    const i = Math.floor(random() * this.mus.length);
    for (let tries = 0; tries < 20; tries++) {
      const x = this.mus[i] + this.sigmas[i] * normal(random);
      if (x >= lo && x <= hi) return x;
    }
    return Math.min(hi, Math.max(lo, this.mus[i]));
  }
}

function categoricalWeights(values: ParamValue[], choices: ParamValue[]): number[] {
  // Laplace smoothing: every choice keeps some probability.
  const counts = choices.map((c) => 1 + values.filter((v) => v === c).length);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/**
 * Next parameters to try. Deterministic for a given space, history and random source.
 * Falls back to random sampling until `startup` observations exist.
 */
export function suggestTpe(
  space: SearchSpace,
  history: Observation[],
  random: () => number,
  options: TpeOptions = {},
): TrialParams {
  const startup = options.startup ?? 5;
  const finite = history.filter((h) => Number.isFinite(h.score));
  if (finite.length < startup) return sampleRandom(space, random);
  const sorted = [...finite].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil((options.gamma ?? 0.25) * sorted.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const nCandidates = options.candidates ?? 24;
  const out: TrialParams = {};
  for (const [key, d] of Object.entries(space)) {
    if (d.type === "choice") {
      const l = categoricalWeights(
        good.map((g) => g.params[key]),
        d.values,
      );
      const g = categoricalWeights(
        bad.map((b) => b.params[key]),
        d.values,
      );
      let bestIndex = 0;
      let bestRatio = -1;
      for (let c = 0; c < nCandidates; c++) {
        let r = random();
        let idx = 0;
        while (idx < l.length - 1 && r >= l[idx]) r -= l[idx++];
        const ratio = l[idx] / g[idx];
        if (ratio > bestRatio) [bestRatio, bestIndex] = [ratio, idx];
      }
      out[key] = d.values[bestIndex];
      continue;
    }
    const [lo, hi] = bounds(d);
    const l = new NumericParzen(
      good.map((h) => toUnit(d, h.params[key])),
      lo,
      hi,
    );
    const g = new NumericParzen(
      bad.map((h) => toUnit(d, h.params[key])),
      lo,
      hi,
    );
    let best = l.sample(random, lo, hi);
    let bestRatio = -1;
    for (let c = 0; c < nCandidates; c++) {
      const x = l.sample(random, lo, hi);
      const ratio = l.pdf(x) / Math.max(g.pdf(x), 1e-300);
      if (ratio > bestRatio) [bestRatio, best] = [ratio, x];
    }
    if (d.type === "loguniform") out[key] = Math.exp(best);
    else if (d.type === "int") out[key] = Math.min(d.high, Math.max(d.low, Math.round(best)));
    else out[key] = best;
  }
  return out;
}
