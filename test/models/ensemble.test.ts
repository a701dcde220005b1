import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Review } from "../../src/data/types.ts";
import { EnsembleModel, fitStacker } from "../../src/models/ensemble/model.ts";
import { FastTextModel } from "../../src/models/fasttext/model.ts";
import { loadModel } from "../../src/models/registry.ts";
import { DEFAULT_PREPROCESS } from "../../src/text/preprocess.ts";
import { rng } from "../../src/util/random.ts";

function corpus(n: number, seed: number): Review[] {
  const random = rng(seed);
  const pos = ["great", "wonderful", "superb", "loved", "brilliant"];
  const neg = ["awful", "boring", "terrible", "hated", "dull"];
  const neutral = ["the", "movie", "plot", "actor", "scene", "film", "story", "and", "was"];
  const pick = (w: string[]) => w[Math.floor(random() * w.length)];
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    const words = Array.from({ length: 25 }, () =>
      random() < 0.15 ? pick(label ? pos : neg) : pick(neutral),
    );
    return { id: `r${i}`, text: words.join(" "), label, rating: label ? 8 : 3, group: `m${i % 30}` };
  });
}

const ngrams = { minN: 1, maxN: 2, hashBits: 16 };
const train = corpus(400, 1);
const validation = corpus(200, 2);
const test = corpus(200, 3);

describe("fastText model", () => {
  it("learns, keeps out-of-sample validation logits and explains exactly", async () => {
    const model = new FastTextModel({ ngrams, minDf: 1, dim: 8, epochs: 5, learningRate: 0.02 });
    const metrics = await model.fit({ train, validation });
    expect(metrics.val_accuracy).toBeGreaterThan(0.9);
    expect(model.validationLogits?.length).toBe(validation.length);
    const e = await model.explain(test[0].text);
    expect(e.tokens.reduce((s, t) => s + t.contribution, e.bias)).toBeCloseTo(e.logit, 9);
    expect(e.probability).toBeCloseTo((await model.predictProba([test[0].text]))[0], 9);
  });
});

describe("stacked ensemble", () => {
  it("fitStacker recovers a known combination", () => {
    const random = rng(5);
    const a = Float64Array.from({ length: 4000 }, () => random() * 6 - 3);
    const b = Float64Array.from({ length: 4000 }, () => random() * 6 - 3);
    const y = Uint8Array.from(a, (_, i) =>
      random() < 1 / (1 + Math.exp(-(0.8 * a[i] + 0.4 * b[i] - 0.2))) ? 1 : 0,
    );
    const { weights, bias } = fitStacker([a, b], y, 0);
    expect(weights[0]).toBeCloseTo(0.8, 1);
    expect(weights[1]).toBeCloseTo(0.4, 1);
    expect(bias).toBeCloseTo(-0.2, 1);
  });

  it("fits members, stacks them, explains exactly and round-trips as one file", async () => {
    const model = new EnsembleModel({
      members: [
        // Members may tokenize differently (negation marking) as long as token offsets agree.
        {
          family: "nblr",
          hyperparameters: {
            ngrams,
            minDf: 1,
            C: 0.3,
            preprocess: { ...DEFAULT_PREPROCESS, negation: true },
          },
        },
        { family: "fasttext", hyperparameters: { ngrams, minDf: 1, dim: 8, epochs: 5, learningRate: 0.02 } },
      ],
    });
    const metrics = await model.fit({ train, validation });
    expect(metrics.val_accuracy_stacked).toBeGreaterThan(0.9);
    const texts = test.map((r) => r.text);
    const p = await model.predictProba(texts);
    const correct = Array.from(p).filter((x, i) => (x >= 0.5 ? 1 : 0) === test[i].label).length;
    expect(correct / test.length).toBeGreaterThan(0.9);
    expect(await model.predictRating(texts)).not.toBeNull();
    const e = await model.explain(texts[0]);
    expect(e.method).toBe("exact");
    expect(e.tokens.reduce((s, t) => s + t.contribution, e.bias)).toBeCloseTo(e.logit, 6);
    expect(e.probability).toBeCloseTo(p[0], 6);
    const path = join(mkdtempSync(join(tmpdir(), "ens-")), "e.sentiment");
    await model.save(path);
    const loaded = await loadModel(path);
    expect(loaded.family).toBe("ensemble");
    const q = await loaded.predictProba(texts);
    for (let i = 0; i < texts.length; i++) expect(Math.abs(q[i] - p[i])).toBeLessThan(5e-3);
  });
});
