import { describe, expect, it } from "vitest";
import { fitPlatt, sigmoid } from "../../src/models/calibration.ts";
import { rng } from "../../src/util/random.ts";

describe("Platt scaling", () => {
  it("recovers the slope and intercept that generated the labels", () => {
    const random = rng(7);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const s = random() * 8 - 4;
      scores.push(s);
      labels.push(random() < sigmoid(0.5 * s - 0.3) ? 1 : 0);
    }
    const { a, b } = fitPlatt(scores, labels);
    expect(a).toBeCloseTo(0.5, 1);
    expect(b).toBeCloseTo(-0.3, 1);
  });

  it("stays finite on perfectly separable scores", () => {
    const { a, b } = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
  });
});
