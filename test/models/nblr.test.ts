import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Review } from "../../src/data/types.ts";
import { predict } from "../../src/models/model.ts";
import { NblrModel } from "../../src/models/nblr/model.ts";
import { loadModel } from "../../src/models/registry.ts";
import { ModelFileError } from "../../src/util/errors.ts";
import { rng } from "../../src/util/random.ts";

// A synthetic corpus with a known signal: positive reviews draw from a positive lexicon, negative
// from a negative one, both padded with shared neutral words; ratings follow the polarity.
function corpus(n: number, seed: number): Review[] {
  const random = rng(seed);
  const pos = ["great", "wonderful", "superb", "loved", "brilliant", "moving"];
  const neg = ["awful", "boring", "terrible", "hated", "dull", "waste"];
  const neutral = ["the", "movie", "plot", "actor", "scene", "film", "story", "and", "was", "it"];
  const pick = (words: string[]) => words[Math.floor(random() * words.length)];
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    const words: string[] = [];
    for (let k = 0; k < 30; k++) words.push(random() < 0.15 ? pick(label ? pos : neg) : pick(neutral));
    const rating = label ? 7 + Math.floor(random() * 4) : 1 + Math.floor(random() * 4);
    return { id: `r${i}`, text: words.join(" "), label, rating, group: `movie${i % 40}` };
  });
}

const params = { ngrams: { minN: 1, maxN: 2, hashBits: 18 }, minDf: 1, C: [0.1, 1] };

describe("NB-LR model", () => {
  const train = corpus(400, 1);
  const validation = corpus(200, 2);
  const test = corpus(200, 3);

  it("learns the signal, is deterministic, calibrated and predicts ratings", async () => {
    const a = new NblrModel(params);
    const metrics = await a.fit({ train, validation });
    expect(metrics.val_accuracy).toBeGreaterThan(0.95);
    const b = new NblrModel(params);
    await b.fit({ train, validation });
    const texts = test.map((r) => r.text);
    expect(await a.predictProba(texts)).toEqual(await b.predictProba(texts));
    const preds = await predict(a, texts);
    const correct = preds.filter((p, i) => (p.label === "positive" ? 1 : 0) === test[i].label).length;
    expect(correct / test.length).toBeGreaterThan(0.95);
    for (const p of preds) {
      expect(p.probabilities.positive + p.probabilities.negative).toBeCloseTo(1, 12);
      expect(p.rating).toBeGreaterThanOrEqual(1);
      expect(p.rating).toBeLessThanOrEqual(10);
    }
    const meanRating = (label: number) => {
      const r = preds.filter((_, i) => test[i].label === label).map((p) => p.rating!);
      return r.reduce((s, x) => s + x, 0) / r.length;
    };
    expect(meanRating(1) - meanRating(0)).toBeGreaterThan(2);
  });

  it("explains exactly: bias + token contributions = logit, sigmoid(logit) = predictProba", async () => {
    const model = new NblrModel(params);
    await model.fit({ train, validation });
    const text = "The plot was <b>superb</b> and the actor brilliant, not awful!";
    const e = await model.explain(text);
    const sum = e.tokens.reduce((s, t) => s + t.contribution, e.bias);
    expect(sum).toBeCloseTo(e.logit, 9);
    expect(e.probability).toBeCloseTo((await model.predictProba([text]))[0], 9);
    const superb = e.tokens.find((t) => t.token === "superb")!;
    expect(e.text.slice(superb.start, superb.end)).toBe("superb");
    expect(superb.contribution).toBeGreaterThan(0);
    expect(e.tokens.find((t) => t.token === "awful")!.contribution).toBeLessThan(0);
  });

  it("saves and loads through the registry with identical predictions (within float16)", async () => {
    const model = new NblrModel(params);
    await model.fit({ train, validation, dataSha256: "abc" });
    const dir = mkdtempSync(join(tmpdir(), "nblr-"));
    const path = join(dir, "m.sentiment");
    await model.save(path);
    const loaded = await loadModel(path);
    expect(loaded.family).toBe("nblr");
    expect(loaded.metadata().dataSha256).toBe("abc");
    expect(loaded.metadata().preprocessing).toEqual(model.metadata().preprocessing);
    const texts = test.map((r) => r.text);
    const p1 = await model.predictProba(texts);
    const p2 = await loaded.predictProba(texts);
    for (let i = 0; i < texts.length; i++) expect(Math.abs(p1[i] - p2[i])).toBeLessThan(2e-3);
  });

  it("rejects corrupt, truncated and foreign files with a clear error", async () => {
    const model = new NblrModel(params);
    await model.fit({ train, validation });
    const dir = mkdtempSync(join(tmpdir(), "nblr-"));
    const path = join(dir, "m.sentiment");
    await model.save(path);
    const bytes = readFileSync(path);
    const corrupt = Buffer.from(bytes);
    corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
    writeFileSync(join(dir, "corrupt.sentiment"), corrupt);
    writeFileSync(join(dir, "truncated.sentiment"), bytes.subarray(0, bytes.length - 100));
    writeFileSync(join(dir, "foreign.sentiment"), "PK\u0003\u0004 not a model");
    await expect(loadModel(join(dir, "corrupt.sentiment"))).rejects.toThrow(/checksum mismatch/);
    await expect(loadModel(join(dir, "truncated.sentiment"))).rejects.toThrow(/checksum mismatch/);
    await expect(loadModel(join(dir, "foreign.sentiment"))).rejects.toThrow(ModelFileError);
    await expect(loadModel(join(dir, "missing.sentiment"))).rejects.toThrow(/not found/);
  });

  it("refuses to train without both classes", async () => {
    const model = new NblrModel(params);
    await expect(model.fit({ train: train.filter((r) => r.label === 1), validation })).rejects.toThrow();
  });
});

describe("bundled default model", () => {
  it("loads and separates obvious reviews", async () => {
    const model = await loadModel();
    const [good, bad] = await model.predictProba([
      "One of the best films I have ever seen. Wonderful acting and a moving story.",
      "A boring, stupid waste of time. The worst movie of the year.",
    ]);
    expect(good).toBeGreaterThan(0.8);
    expect(bad).toBeLessThan(0.2);
    expect(model.metadata().preprocessing).toBeDefined();
  });
});
