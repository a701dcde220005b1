import { describe, expect, it } from "vitest";
import { groupKFold, splitByGroup } from "../../src/data/split.ts";
import type { Review } from "../../src/data/types.ts";

const reviews: Review[] = Array.from({ length: 1000 }, (_, i) => ({
  id: String(i),
  text: `review ${i}`,
  label: (i % 2) as 0 | 1,
  group: `tt${i % 97}`,
}));

describe("splitByGroup", () => {
  it("never puts one movie on both sides and holds out about the requested share", () => {
    const { train, validation } = splitByGroup(reviews, { validationFraction: 0.2, seed: 3 });
    expect(train.length + validation.length).toBe(reviews.length);
    const trainGroups = new Set(train.map((r) => r.group));
    expect(validation.some((r) => trainGroups.has(r.group))).toBe(false);
    expect(validation.length / reviews.length).toBeGreaterThan(0.17);
    expect(validation.length / reviews.length).toBeLessThan(0.23);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const ids = (seed: number) => splitByGroup(reviews, { seed }).validation.map((r) => r.id);
    expect(ids(1)).toEqual(ids(1));
    expect(ids(1)).not.toEqual(ids(2));
  });

  it("treats reviews without a group as their own group", () => {
    const loose = reviews.map(({ group: _group, ...r }) => r);
    const { train, validation } = splitByGroup(loose, { validationFraction: 0.3 });
    expect(validation.length).toBe(300);
    expect(train.length).toBe(700);
  });
});

describe("groupKFold", () => {
  it("uses every review exactly once as validation, groups intact", () => {
    const folds = groupKFold(reviews, 5, 1);
    const seen = new Map<string, number>();
    for (const { train, validation } of folds) {
      const trainGroups = new Set(train.map((r) => r.group));
      expect(validation.some((r) => trainGroups.has(r.group))).toBe(false);
      for (const r of validation) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    }
    expect(seen.size).toBe(reviews.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });
});
