// Cosine document vectors (docvec family, native kernel): the vocabulary and id lookup, the kernel's
// input checks, learning a synthetic task from vectors alone, inference that does not depend on the
// batch a text arrives in, save/load with the same scores, and a clear error for a damaged file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildNgramVocabulary, ngramOccurrences, toNgramIds } from "../../src/embeddings/docvectors.ts";
import { negativeTable } from "../../src/embeddings/word2vec-core.ts";
import { decision, fitDenseLogistic } from "../../src/models/docvec/classifier.ts";
import { DocVecModel } from "../../src/models/docvec/model.ts";
import "../../src/models/families.ts";
import { docvecEpoch } from "../../packages/torch/src/index.ts";
import { loadModel } from "../../src/models/registry.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

const tmp = mkdtempSync(join(tmpdir(), "docvec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ngrams = { minN: 1, maxN: 2, hashBits: 18 };

describe("docvec vocabulary and classifier", () => {
  it("keeps n-grams seen minCount times and maps occurrences to their ids", () => {
    const docs = [
      ["a", "b", "a"],
      ["b", "a", "c"],
    ].map((t) => ngramOccurrences(t, ngrams));
    const v = buildNgramVocabulary(docs, ngrams.hashBits, 2);
    // Kept: "a" (3), "b" (2) and "b a" (2); "c", "a b" and "a c" occur once.
    expect(Array.from(v.counts).sort()).toEqual([2, 2, 3]);
    // Document 0's occurrences a, b, a, "a b", "b a": all but "a b" are in the vocabulary.
    const ids = toNgramIds(docs[0], v);
    expect(ids).toHaveLength(4);
    expect(ids[0]).toBe(ids[2]);
    expect(() => buildNgramVocabulary(docs, ngrams.hashBits, 5)).toThrow(/only 0 n-grams occur 5\+ times/);
  });

  it("draws negatives in proportion to count^0.75", () => {
    const t = negativeTable([16, 1], 1 << 12);
    const share = t.filter((id) => id === 0).length / t.length;
    expect(share).toBeCloseTo(8 / 9, 2);
  });

  it("fits a separable dense problem and scores held-out rows", () => {
    const x = new Float64Array(400);
    const y = new Uint8Array(200);
    for (let i = 0; i < 200; i++) {
      y[i] = i % 2;
      x[2 * i] = (y[i] ? 1 : -1) + Math.sin(i);
      x[2 * i + 1] = Math.cos(i * 7);
    }
    const m = fitDenseLogistic(x, y, 2, 1e-3);
    expect(m.weights[0]).toBeGreaterThan(1);
    const z = decision(m, Float64Array.from([2, 0, -2, 0]), 2);
    expect(z[0]).toBeGreaterThan(0);
    expect(z[1]).toBeLessThan(0);
  });
});

describe.skipIf(!hasTorch)(
  `docvec on the native kernel${torchSkipReason ? ` (${torchSkipReason})` : ""}`,
  () => {
    it("rejects ids outside the vocabulary instead of writing out of bounds", async () => {
      const base = {
        ids: Int32Array.from([0, 5]),
        offsets: Uint32Array.from([0, 2]),
        docs: new Float32Array(4),
        ngrams: new Float32Array(8),
        table: Int32Array.from([0, 1]),
        order: Uint32Array.from([0]),
        dim: 4,
        negative: 1,
        scale: 6,
        lrStart: 0.1,
        lrEnd: 0.1,
        updateNgrams: true,
        threads: 1,
        seed: 1,
      };
      expect(() => docvecEpoch(base)).toThrow(/n-gram id out of range/);
      expect(() =>
        docvecEpoch({ ...base, ids: Int32Array.from([0, 1]), order: Uint32Array.from([3]) }),
      ).toThrow(/document index out of range/);
    });

    it("learns a synthetic task, infers the same vector in any batch, saves and loads", async () => {
      const train = syntheticReviews(600, 1);
      const validation = syntheticReviews(150, 2, "v");
      const test = syntheticReviews(150, 3, "t");
      const unlabeled = syntheticReviews(300, 4, "u").map(({ label: _, ...r }) => r);
      const texts = test.map((r) => r.text);
      const model = new DocVecModel({ ngrams, dim: 16, minCount: 1, epochs: 8, inferEpochs: 8, threads: 2 });
      const metrics = await model.fit({ train, validation, unlabeled });
      expect(metrics.corpus_reviews).toBe(900);
      expect(metrics.val_accuracy).toBeGreaterThan(0.85);
      expect(model.validationLogits).toHaveLength(validation.length);
      const p = await model.predictProba(texts);
      expect(test.filter((r, i) => (p[i] > 0.5 ? 1 : 0) === r.label).length).toBeGreaterThan(125);
      // A text's probability does not depend on its batch (the kernel seeds each document from its content).
      const [alone] = await model.predictProba([texts[7]]);
      expect(alone).toBe(p[7]);
      expect(Number.isFinite((await model.predictProba([""]))[0])).toBe(true);

      const file = join(tmp, "docvec.sentiment");
      await model.save(file);
      const loaded = await loadModel(file);
      expect(loaded.family).toBe("docvec");
      const p2 = await loaded.predictProba(texts);
      // float16 storage of the n-gram vectors moves probabilities a little, not labels.
      let flips = 0;
      for (let i = 0; i < p.length; i++) {
        expect(Math.abs(p2[i] - p[i])).toBeLessThan(0.05);
        if (p2[i] > 0.5 !== p[i] > 0.5) flips++;
      }
      expect(flips).toBeLessThanOrEqual(2);
      const e = await loaded.explain(texts[0]);
      expect(e.method).toBe("approximate");
      expect(e.tokens.length).toBeGreaterThan(3);
    });

    it("names the problem in a damaged model file", async () => {
      const bad = join(tmp, "bad.sentiment");
      writeFileSync(bad, "not a model");
      await expect(DocVecModel.load(bad)).rejects.toThrow(/bad\.sentiment/);
    });
  },
);
