// The evaluator's plumbing and robustness checks, with a transparent word-list model whose
// predictions are known in advance (the CLI test uses the real bundled model).
import { describe, expect, it } from "vitest";
import type { Review } from "../../src/data/types.ts";
import { evaluateModel, summaryMetrics } from "../../src/eval/evaluate.ts";
import { binaryMetrics } from "../../src/eval/metrics.ts";
import { firstSentence, PERTURBATIONS, sampleIndices, seededRandom } from "../../src/eval/perturb.ts";
import { robustness } from "../../src/eval/robustness.ts";
import type { ProgressEvent } from "../../src/models/model.ts";
import { tokenize } from "../../src/text/preprocess.ts";
import { DataError } from "../../src/util/errors.ts";
import { LexiconModel } from "../helpers/lexicon-model.ts";

const POS = ["good", "great", "wonderful", "superb", "loved", "brilliant", "enjoyable", "fun"];
const NEG = ["bad", "awful", "boring", "dreadful", "terrible", "worst", "tedious", "waste"];
const FILLER = "the film has a plot and some actors in it and it runs for a while".split(" ");

/** Reviews sorted negatives-first like aclImdb, with sentiment words and filler; some deliberately misleading. */
function makeReviews(n: number, seed = 1): Review[] {
  const rand = seededRandom(seed);
  const out: Review[] = [];
  for (let i = 0; i < n; i++) {
    const label = i < n / 2 ? 0 : 1;
    const words: string[] = [];
    const length = 5 + Math.floor(rand() * 500);
    for (let k = 0; k < length; k++) {
      const r = rand();
      // 80% of sentiment words agree with the label, so some reviews are misclassified.
      const agree = rand() < 0.8;
      if (r < 0.04) words.push((label === 1) === agree ? POS[k % 8] : NEG[k % 8]);
      else words.push(FILLER[Math.floor(rand() * FILLER.length)]);
      // Sentences start upper-case (Unicode sentence breaks need that after a period).
      if (rand() < 0.08) words[words.length - 1] += ". The";
    }
    out.push({ id: `r${i}`, text: `${words.join(" ")}.`, label: label as 0 | 1, rating: label ? 8 : 2 });
  }
  return out;
}

/** Same word lists, but only lower-case words count: the kind of model ALL CAPS should expose. */
class CaseSensitiveLexicon extends LexiconModel {
  override async predictProba(texts: readonly string[]): Promise<Float64Array> {
    return Float64Array.from(texts, (t) => {
      let s = 0;
      for (const w of t.split(/[^A-Za-z']+/)) s += POS.includes(w) ? 1 : NEG.includes(w) ? -1 : 0;
      return 1 / (1 + Math.exp(-s));
    });
  }
}

describe("evaluateModel", () => {
  const reviews = makeReviews(400);
  const unlabeled: Review[] = [
    { id: "u1", text: "great" },
    { id: "u2", text: "awful" },
  ];

  it("reports the same metrics as scoring the model directly, and counts unlabeled reviews", async () => {
    const model = new LexiconModel();
    const events: ProgressEvent[] = [];
    const report = await evaluateModel(model, [...reviews, ...unlabeled], {
      dataset: { name: "synthetic", sha256: "abc" },
      batchSize: 64,
      robustness: false,
      onProgress: (e) => events.push(e),
    });
    const direct = await model.predictProba(reviews.map((r) => r.text));
    const expected = binaryMetrics(
      reviews.map((r) => r.label!),
      direct,
    );
    expect(report.metrics).toEqual(expected);
    expect(report.n).toBe(400);
    expect(report.dataset).toEqual({ name: "synthetic", sha256: "abc", total: 402, unlabeled: 2 });
    expect(model.calls.slice(0, 7)).toEqual([64, 64, 64, 64, 64, 64, 16]);
    const predict = events.filter((e) => e.phase === "predict");
    expect(predict[predict.length - 1]).toEqual({ phase: "predict", done: 400, total: 400 });
    expect(report.metrics.accuracy.value).toBeGreaterThan(0.6);
    expect(report.metrics.accuracy.value).toBeLessThan(1);
    expect(report.timing.predictionsPerSecond).toBeGreaterThan(0);
    expect(report.robustness).toBeUndefined();
  });

  it("is plain JSON: a round trip changes nothing", async () => {
    const report = await evaluateModel(new LexiconModel(), reviews, {
      dataset: { name: "synthetic" },
      robustness: { sampleSize: 100 },
    });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.curves.roc.length).toBeGreaterThan(2);
    expect(report.curves.histogram.positive.reduce((a, b) => a + b, 0)).toBe(200);
    const summary = summaryMetrics(report);
    expect(summary.accuracy).toBe(report.metrics.accuracy.value);
    expect(summary.ratingMae).toBe(report.ratingMetrics!.mae);
  });

  it("computes rating metrics when the model and the reviews have ratings", async () => {
    const report = await evaluateModel(new LexiconModel(), reviews, {
      dataset: { name: "s" },
      robustness: false,
    });
    const model = new LexiconModel();
    const predicted = await model.predictRating(reviews.map((r) => r.text));
    const mae = reviews.reduce((s, r, i) => s + Math.abs(predicted![i] - r.rating!), 0) / reviews.length;
    expect(report.ratingMetrics!.n).toBe(400);
    expect(report.ratingMetrics!.mae).toBeCloseTo(mae, 10);
  });

  it("--limit takes a seeded random sample, not the first (all-negative) reviews", async () => {
    const a = await evaluateModel(new LexiconModel(), reviews, {
      dataset: { name: "s" },
      limit: 50,
      robustness: false,
    });
    const b = await evaluateModel(new LexiconModel(), reviews, {
      dataset: { name: "s" },
      limit: 50,
      robustness: false,
    });
    expect(a.n).toBe(50);
    expect(a.dataset.limit).toBe(50);
    expect(a.metrics.nPositive).toBeGreaterThan(10);
    expect(a.metrics.nNegative).toBeGreaterThan(10);
    expect(a.metrics).toEqual(b.metrics);
  });

  it("refuses data without labels with a DataError", async () => {
    await expect(
      evaluateModel(new LexiconModel(), unlabeled, { dataset: { name: "u.csv" } }),
    ).rejects.toThrow(DataError);
    await expect(
      evaluateModel(new LexiconModel(), unlabeled, { dataset: { name: "u.csv" } }),
    ).rejects.toThrow(/none of the 2 reviews in u.csv has a label/);
  });

  it("names the batch when a model returns the wrong number of probabilities", async () => {
    const broken = new LexiconModel();
    broken.predictProba = async (texts) => new Float64Array(texts.length - 1);
    await expect(
      evaluateModel(broken, reviews, { dataset: { name: "s" }, robustness: false }),
    ).rejects.toThrow(/returned 255 probabilities for a batch of 256/);
  });
});

describe("robustness", () => {
  const reviews = makeReviews(600, 2);

  it("perturbations are label-neutral: a model on the project tokenizer does not move at all", async () => {
    const r = await robustness(new LexiconModel(), reviews, { sampleSize: 300 });
    expect(r.sampleSize).toBe(300);
    expect(r.perturbations.map((p) => p.key)).toEqual(PERTURBATIONS.map((p) => p.key));
    for (const p of r.perturbations) {
      expect(p.flipRate, p.key).toBe(0);
      expect(p.meanAbsShift, p.key).toBe(0);
      expect(p.delta, p.key).toBe(0);
      expect(p.n).toBe(300);
    }
    // Slices partition / subset the sample.
    expect(r.lengthBuckets.reduce((s, b) => s + b.n, 0)).toBe(300);
    expect(r.negation.n).toBeLessThan(300);
    // The first sentence drops most sentiment words, so predictions move.
    expect(r.firstSentence.flipRate).toBeGreaterThan(0);
  });

  it("exposes a case-sensitive model under ALL CAPS and random case, but not under lowercase", async () => {
    const r = await robustness(new CaseSensitiveLexicon(), reviews, { sampleSize: 300 });
    const get = (key: string) => r.perturbations.find((p) => p.key === key)!;
    expect(get("perturb:all-caps").delta!).toBeLessThan(-0.1);
    expect(get("perturb:all-caps").flipRate!).toBeGreaterThan(0.2);
    expect(get("perturb:random-case").delta!).toBeLessThan(-0.05);
    expect(get("perturb:lowercase").flipRate).toBe(0);
  });

  it("slices by length and negation on the model's tokens", async () => {
    const crafted: Review[] = [
      { id: "short", text: "Great fun.", label: 1 },
      { id: "neg", text: "I did not like it, it was never good and I don't care. Not fun.", label: 0 },
      { id: "long", text: `${"good ".repeat(450)}`, label: 1 },
    ];
    const r = await robustness(new LexiconModel(), crafted, { sampleSize: 10 });
    expect(r.lengthBuckets.map((b) => [b.key, b.n])).toEqual([
      ["length:<=50", 2],
      ["length:51-150", 0],
      ["length:151-400", 0],
      ["length:>400", 1],
    ]);
    expect(r.lengthBuckets[1].accuracy).toBeNull();
    expect(r.negation.n).toBe(1);
    // The lexicon sees "good" and "fun" and misses the negations: the slice is 0% accurate.
    expect(r.negation.accuracy!.value).toBe(0);
    expect(r.negation.delta).toBeCloseTo(0 - r.clean.value, 12);
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const a = await robustness(new CaseSensitiveLexicon(), reviews, { sampleSize: 100, seed: 1 });
    const b = await robustness(new CaseSensitiveLexicon(), reviews, { sampleSize: 100, seed: 1 });
    const c = await robustness(new CaseSensitiveLexicon(), reviews, { sampleSize: 100, seed: 2 });
    const strip = (x: typeof a) => ({ ...x, seconds: 0 });
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)).not.toEqual(strip(c));
  });
});

describe("perturbations and helpers", () => {
  const text = `I didn't "love" it & that's <b>fine</b> &amp; more. Second sentence here!<br /><br />Third &#39;q&#39;.`;

  it("each perturbation keeps the tokens (modulo case) of the project tokenizer", () => {
    const base = tokenize(text).filter((t) => /\p{L}/u.test(t));
    for (const p of PERTURBATIONS) {
      const out = p.apply(text, seededRandom(3));
      expect(out, p.key).not.toBe(text);
      const tokens = tokenize(out).filter((t) => /\p{L}/u.test(t));
      expect(tokens, p.key).toEqual(base);
    }
  });

  it("finds the first sentence, treating <br /> as a paragraph end", () => {
    expect(firstSentence("Loved it. Then again, no.")).toBe("Loved it.");
    expect(firstSentence("Great cast<br /><br />Bad plot.")).toBe("Great cast");
    expect(firstSentence("... Mr. Smith was fine! Rest")).toBe("... Mr. Smith was fine!");
    expect(firstSentence("Fine. Dr. No was fun.")).toBe("Fine.");
    expect(firstSentence("no terminator")).toBe("no terminator");
  });

  it("samples distinct indices deterministically", () => {
    const s = sampleIndices(1000, 100, 5);
    expect(new Set(s).size).toBe(100);
    expect(s).toEqual(sampleIndices(1000, 100, 5));
    expect(s).not.toEqual(sampleIndices(1000, 100, 6));
    expect(sampleIndices(3, 10, 1)).toEqual([0, 1, 2]);
  });
});
