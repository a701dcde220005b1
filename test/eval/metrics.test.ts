// Metrics against hand-computed values and scikit-learn's documented results and edge cases.
import { describe, expect, it } from "vitest";
import {
  binaryMetrics,
  calibration,
  downsampleRoc,
  ratingMetrics,
  rocAuc,
  rocCurve,
  scoreHistogram,
  wilson,
} from "../../src/eval/metrics.ts";

/** O(n^2) definition of AUC: P(score_pos > score_neg) + 0.5 P(equal). */
function bruteAuc(labels: number[], scores: number[]): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      u += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return u / pairs;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("wilson", () => {
  it("matches the textbook 95% interval for 90/100", () => {
    const ci = wilson(90, 100);
    expect(ci.value).toBe(0.9);
    expect(ci.low).toBeCloseTo(0.82564, 4);
    expect(ci.high).toBeCloseTo(0.94477, 4);
  });
  it("stays inside [0, 1] at the extremes", () => {
    const all = wilson(10, 10);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.7225, 3);
    expect(wilson(0, 10).low).toBe(0);
  });
});

describe("binaryMetrics", () => {
  // Predictions at threshold 0.5: [1,1,0,0,1,0,1,1] -> tp 3, fn 1, fp 2, tn 2.
  const y = [1, 1, 1, 0, 0, 0, 0, 1];
  const p = [0.9, 0.6, 0.4, 0.2, 0.7, 0.1, 0.5, 0.8];
  const m = binaryMetrics(y, p);

  it("counts the confusion matrix with p >= threshold as positive", () => {
    expect(m.confusion).toEqual({ tn: 2, fp: 2, fn: 1, tp: 3 });
    expect(m.accuracy.value).toBe(5 / 8);
    expect(m.nPositive).toBe(4);
    expect(m.nNegative).toBe(4);
  });

  it("computes per-class and macro precision / recall / F1", () => {
    expect(m.perClass.positive.precision).toBeCloseTo(3 / 5, 12);
    expect(m.perClass.positive.recall).toBeCloseTo(3 / 4, 12);
    expect(m.perClass.positive.f1).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.negative.precision).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.negative.recall).toBeCloseTo(1 / 2, 12);
    expect(m.perClass.negative.f1).toBeCloseTo(4 / 7, 12);
    expect(m.macro.f1).toBeCloseTo((2 / 3 + 4 / 7) / 2, 12);
    expect(m.perClass.positive.support).toBe(4);
  });

  it("computes log-loss and Brier", () => {
    const two = binaryMetrics([1, 0], [0.8, 0.3]);
    expect(two.logLoss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expect(two.brier).toBeCloseTo(0.065, 12);
  });

  it("clips log-loss so a confident miss stays finite", () => {
    const miss = binaryMetrics([1, 0], [0, 1]);
    expect(miss.logLoss).toBeCloseTo(-Math.log(1e-15), 2);
    expect(Number.isFinite(miss.logLoss)).toBe(true);
  });

  it("reports null AUC with a note when only one class is present", () => {
    const one = binaryMetrics([1, 1, 1], [0.2, 0.7, 0.9]);
    expect(one.rocAuc).toBeNull();
    expect(one.notes.join(" ")).toMatch(/only one class/);
    expect(one.perClass.negative.precision).toBe(0);
    expect(JSON.parse(JSON.stringify(one)).rocAuc).toBeNull();
  });

  it("notes when nothing is predicted positive and uses zero-division = 0", () => {
    const none = binaryMetrics([1, 0, 1], [0.1, 0.2, 0.3]);
    expect(none.perClass.positive.precision).toBe(0);
    expect(none.perClass.positive.f1).toBe(0);
    expect(none.notes.join(" ")).toMatch(/No example was predicted positive/);
  });

  it("rejects bad input with a message naming the element", () => {
    expect(() => binaryMetrics([1, 2], [0.1, 0.2])).toThrow(/label 1 is 2/);
    expect(() => binaryMetrics([1, 0], [0.1, Number.NaN])).toThrow(/score 1 is NaN/);
    expect(() => binaryMetrics([1, 0], [0.1, 1.5])).toThrow(/score 1 is 1.5/);
    expect(() => binaryMetrics([1], [0.1, 0.2])).toThrow(/differ in length/);
    expect(() => binaryMetrics([], [])).toThrow(/0 examples/);
  });

  it("accepts typed arrays", () => {
    const t = binaryMetrics(Uint8Array.from(y), Float64Array.from(p));
    expect(t.confusion).toEqual(m.confusion);
  });
});

describe("rocAuc and rocCurve", () => {
  it("reproduces scikit-learn's roc_auc_score / roc_curve doc example", () => {
    const y = [0, 0, 1, 1];
    const s = [0.1, 0.4, 0.35, 0.8];
    expect(rocAuc(y, s)).toBeCloseTo(0.75, 12);
    expect(rocCurve(y, s)).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 0, tpr: 0.5, threshold: 0.8 },
      { fpr: 0.5, tpr: 0.5, threshold: 0.4 },
      { fpr: 0.5, tpr: 1, threshold: 0.35 },
      { fpr: 1, tpr: 1, threshold: 0.1 },
    ]);
  });

  it("counts ties as one half and makes them one diagonal step", () => {
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([0, 0, 1, 1], [0.2, 0.6, 0.6, 0.9])).toBeCloseTo(0.875, 12);
    expect(rocCurve([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 1, tpr: 1, threshold: 0.5 },
    ]);
  });

  it("is 1 for perfect ranking and 0 for reversed ranking", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });

  it("is null / empty when a class is missing", () => {
    expect(rocAuc([0, 0], [0.1, 0.9])).toBeNull();
    expect(rocCurve([1, 1], [0.1, 0.9])).toEqual([]);
  });

  it("agrees with the O(n^2) definition on random data with many ties", () => {
    const rand = lcg(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + Math.floor(rand() * 200);
      const y: number[] = [];
      const s: number[] = [];
      for (let i = 0; i < n; i++) {
        const label = rand() < 0.4 ? 1 : 0;
        y.push(label);
        // Rounded to 0.1 so ties are common; shifted by the label so AUC is away from 0.5.
        s.push(Math.round(Math.min(1, rand() * 0.8 + label * 0.2) * 10) / 10);
      }
      if (!y.includes(0) || !y.includes(1)) continue;
      expect(rocAuc(y, s)).toBeCloseTo(bruteAuc(y, s), 12);
      // The area under the curve's points (trapezoids) equals the rank-based AUC.
      const pts = rocCurve(y, s);
      let area = 0;
      for (let k = 1; k < pts.length; k++)
        area += ((pts[k].fpr - pts[k - 1].fpr) * (pts[k].tpr + pts[k - 1].tpr)) / 2;
      expect(area).toBeCloseTo(bruteAuc(y, s), 12);
    }
  });

  it("downsamples long curves but keeps the end points", () => {
    const rand = lcg(3);
    const y = Array.from({ length: 20_000 }, () => (rand() < 0.5 ? 1 : 0));
    const s = y.map((l) => Math.min(1, rand() * 0.7 + l * 0.3));
    const full = rocCurve(y, s);
    const small = downsampleRoc(full, 200);
    expect(full.length).toBeGreaterThan(10_000);
    expect(small.length).toBeLessThanOrEqual(202);
    expect(small[0]).toEqual(full[0]);
    expect(small[small.length - 1]).toEqual(full[full.length - 1]);
  });
});

describe("calibration and histogram", () => {
  const y = [1, 1, 1, 0, 0, 0, 0, 1];
  const p = [0.9, 0.6, 0.4, 0.2, 0.7, 0.1, 0.5, 0.8];

  it("computes ECE and MCE over equal-width bins", () => {
    // [0, .5): p .4 .2 .1, one positive -> |1/3 - 0.2333| = 0.1; [.5, 1]: mean .7, 3/5 positive -> 0.1.
    const c = calibration(y, p, 2);
    expect(c.ece).toBeCloseTo(0.1, 12);
    expect(c.mce).toBeCloseTo(0.1, 12);
    expect(c.bins.map((b) => b.count)).toEqual([3, 5]);
    expect(c.bins[0].meanPredicted).toBeCloseTo(0.7 / 3, 12);
    expect(c.bins[1].fractionPositive).toBeCloseTo(0.6, 12);
  });

  it("uses 15 bins by default, puts p = 1 in the last bin and marks empty bins null", () => {
    const m = binaryMetrics([1, 0], [1, 0]);
    expect(m.calibration).toHaveLength(15);
    expect(m.calibration[14].count).toBe(1);
    expect(m.calibration[0].count).toBe(1);
    expect(m.calibration[7].meanPredicted).toBeNull();
    expect(m.ece).toBe(0);
  });

  it("counts scores per class", () => {
    const h = scoreHistogram(y, p, 4);
    expect(h.edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(h.positive).toEqual([0, 1, 1, 2]);
    expect(h.negative).toEqual([2, 0, 2, 0]);
  });
});

describe("ratingMetrics", () => {
  it("computes MAE, RMSE and within-one-star", () => {
    const r = ratingMetrics([1, 10, 7], [2, 8, 7]);
    expect(r.mae).toBeCloseTo(1, 12);
    expect(r.rmse).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(r.within1).toBeCloseTo(2 / 3, 12);
    expect(r.n).toBe(3);
  });
  it("rejects non-finite values and mismatched lengths", () => {
    expect(() => ratingMetrics([1, 2], [1, Number.NaN])).toThrow(/rating 1/);
    expect(() => ratingMetrics([1], [1, 2])).toThrow(/differ in length/);
  });
});
