import { describe, expect, it } from "vitest";
import { countNgrams, forEachNgram, hashToken, ngramBuckets } from "../../src/text/ngrams.ts";

const config = { minN: 1, maxN: 3, hashBits: 20 };

describe("hashed n-grams", () => {
  it("counts every 1..3-gram occurrence", () => {
    let visits = 0;
    forEachNgram(["a", "b", "c", "d"], config, () => visits++);
    expect(visits).toBe(4 + 3 + 2);
    expect(countNgrams(4, config)).toBe(9);
    expect(countNgrams(1, config)).toBe(1);
  });

  it("is order-sensitive and deterministic", () => {
    const ab = ngramBuckets(["a", "b"], { minN: 2, maxN: 2, hashBits: 24 });
    const ba = ngramBuckets(["b", "a"], { minN: 2, maxN: 2, hashBits: 24 });
    expect(ab[0]).not.toBe(ba[0]);
    expect(hashToken("movie")).toBe(hashToken("movie"));
  });

  it("returns sorted unique buckets within range (binary features)", () => {
    const buckets = ngramBuckets(["good", "good", "good"], config);
    // "good", "good good", "good good good": three distinct features, each once.
    expect(buckets.length).toBe(3);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThan(buckets[i - 1]);
    for (const b of buckets) expect(b).toBeLessThan(2 ** 20);
  });
});
