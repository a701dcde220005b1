import { describe, expect, it } from "vitest";
import { applyParams, parseSpace, type SearchSpace, sampleRandom, trialSeed } from "../../src/tune/space.ts";
import { suggestTpe } from "../../src/tune/tpe.ts";
import { rng } from "../../src/util/random.ts";

const SPACE: SearchSpace = {
  C: { type: "loguniform", low: 0.01, high: 100 },
  minDf: { type: "int", low: 1, high: 5 },
  "ngrams.maxN": { type: "choice", values: [1, 2, 3] },
  drop: { type: "uniform", low: 0, high: 0.5 },
};

describe("search space", () => {
  it("parses JSON/YAML and names the bad dimension", () => {
    expect(parseSpace('{"C": {"type": "loguniform", "low": 0.1, "high": 1}}')).toEqual({
      C: { type: "loguniform", low: 0.1, high: 1 },
    });
    expect(parseSpace("minDf: {type: int, low: 1, high: 3}")).toEqual({
      minDf: { type: "int", low: 1, high: 3 },
    });
    expect(() => parseSpace('{"C": {"type": "loguniform", "low": 0, "high": 1}}')).toThrow(
      /invalid search space:\n {2}C.low/,
    );
    expect(() => parseSpace('{"C": {"type": "uniform", "low": 2, "high": 1}}')).toThrow(
      /"C": low \(2\) must be below high \(1\)/,
    );
    expect(() => parseSpace('{"C": {"type": "gaussian"}}')).toThrow(/invalid search space/);
    expect(() => parseSpace("{}")).toThrow(/empty/);
  });

  it("samples inside the bounds, deterministically per seed", () => {
    for (let i = 0; i < 200; i++) {
      const p = sampleRandom(SPACE, rng(trialSeed(7, i)));
      expect(p.C as number).toBeGreaterThanOrEqual(0.01);
      expect(p.C as number).toBeLessThanOrEqual(100);
      expect([1, 2, 3, 4, 5]).toContain(p.minDf);
      expect([1, 2, 3]).toContain(p["ngrams.maxN"]);
    }
    expect(sampleRandom(SPACE, rng(trialSeed(1, 3)))).toEqual(sampleRandom(SPACE, rng(trialSeed(1, 3))));
    expect(sampleRandom(SPACE, rng(trialSeed(1, 3)))).not.toEqual(sampleRandom(SPACE, rng(trialSeed(1, 4))));
    // Log-uniform: about half the draws below the geometric midpoint (1), not 1% as uniform would give.
    const below = Array.from(
      { length: 400 },
      (_, i) => sampleRandom(SPACE, rng(trialSeed(2, i))).C as number,
    ).filter((c) => c < 1).length;
    expect(below).toBeGreaterThan(150);
    expect(below).toBeLessThan(250);
  });

  it("sets dotted keys without losing sibling settings", () => {
    const base = { ngrams: { minN: 1, maxN: 3, hashBits: 24 }, C: [0.1, 1] };
    expect(applyParams(base, { "ngrams.maxN": 2, C: 0.5 })).toEqual({
      ngrams: { minN: 1, maxN: 2, hashBits: 24 },
      C: 0.5,
    });
    expect(base.ngrams.maxN).toBe(3);
  });
});

describe("TPE", () => {
  // A smooth objective with its optimum at C = 0.3, minDf = 2, maxN = 2.
  const objective = (p: Record<string, unknown>) =>
    -((Math.log(p.C as number) - Math.log(0.3)) ** 2) -
    0.3 * ((p.minDf as number) - 2) ** 2 -
    ((p["ngrams.maxN"] as number) === 2 ? 0 : 0.5);

  function search(kind: "tpe" | "random", seed: number, n = 40) {
    const history: { params: Record<string, number | string | boolean>; score: number }[] = [];
    for (let i = 0; i < n; i++) {
      const random = rng(trialSeed(seed, i));
      const params = kind === "tpe" ? suggestTpe(SPACE, history, random) : sampleRandom(SPACE, random);
      history.push({ params, score: objective(params) });
    }
    return history;
  }

  it("is deterministic and beats random search on a smooth objective", () => {
    expect(search("tpe", 3)).toEqual(search("tpe", 3));
    // Measured over seeds 1-40 (40 trials each): TPE's best averages -0.21, random search's -0.40.
    let tpeTotal = 0;
    let randomTotal = 0;
    for (let seed = 1; seed <= 40; seed++) {
      tpeTotal += Math.max(...search("tpe", seed).map((h) => h.score));
      randomTotal += Math.max(...search("random", seed).map((h) => h.score));
    }
    expect(tpeTotal / 40).toBeGreaterThan(randomTotal / 40 + 0.1);
    // Its later suggestions concentrate near the optimum.
    const late = search("tpe", 11).slice(25);
    const near = late.filter((h) => Math.abs(Math.log(h.params.C as number) - Math.log(0.3)) < 1).length;
    expect(near / late.length).toBeGreaterThan(0.6);
  });
});
