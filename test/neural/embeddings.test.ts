// GloVe and word2vec training, word-vector files (pure TypeScript), and the word-vector LSTM (libtorch).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainGlove } from "../../src/embeddings/glove.ts";
import { readWordVectors, writeGloveText } from "../../src/embeddings/vectors.ts";
import type { WordVectors } from "../../src/embeddings/vocabulary.ts";
import { DEFAULT_WORD2VEC, trainWord2Vec } from "../../src/embeddings/word2vec.ts";
import { newState, trainDocuments } from "../../src/embeddings/word2vec-core.ts";
import { family } from "../../src/models/lstm/family.ts";
import { tokenize } from "../../src/text/preprocess.ts";
import { rng } from "../../src/util/random.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

function cosine(v: WordVectors, a: string, b: string): number {
  const i = v.words.indexOf(a);
  const j = v.words.indexOf(b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < v.dim; k++) {
    const x = v.data[i * v.dim + k];
    const y = v.data[j * v.dim + k];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

const tmp = () => mkdtempSync(join(tmpdir(), "vectors-"));

/** Documents drawn from one of two word groups: words of a group share contexts, groups never mix. */
function twoTopicCorpus(n: number): string[][] {
  const groups = [
    ["great", "wonderful", "loved", "excellent", "brilliant", "superb"],
    ["awful", "boring", "hated", "terrible", "dull", "worst"],
  ];
  let s = 7;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: 10 }, () => groups[i % 2][Math.floor(next() * 6)]),
  );
}

describe("GloVe", () => {
  it("places words that share contexts close together", async () => {
    const v = await trainGlove(twoTopicCorpus(400), { dim: 8, window: 3, minCount: 1, epochs: 30, seed: 1 });
    expect(v.words).toHaveLength(12);
    expect(cosine(v, "great", "wonderful")).toBeGreaterThan(cosine(v, "great", "awful") + 0.5);
    expect(cosine(v, "dull", "boring")).toBeGreaterThan(cosine(v, "dull", "superb") + 0.5);
  });

  it("word2vec (CBOW and skip-gram) places words that share contexts close together", async () => {
    for (const method of ["cbow", "skipgram"] as const) {
      const v = await trainWord2Vec(twoTopicCorpus(400), {
        method,
        dim: 8,
        window: 3,
        minCount: 1,
        sample: 0,
        epochs: 10,
        learningRate: 0.025,
        seed: 1,
      });
      expect(v.words).toHaveLength(12);
      expect(v.tokens).toBe(4000);
      expect(cosine(v, "great", "wonderful"), method).toBeGreaterThan(cosine(v, "great", "awful") + 0.5);
      expect(cosine(v, "dull", "boring"), method).toBeGreaterThan(cosine(v, "dull", "superb") + 0.5);
    }
  });

  it("word2vec in two Hogwild threads learns the same structure and reports every document", async () => {
    const docs = twoTopicCorpus(400);
    const seen: number[] = [];
    const v = await trainWord2Vec(
      docs,
      { dim: 8, window: 3, minCount: 1, sample: 0, epochs: 10, learningRate: 0.025, seed: 1, threads: 2 },
      (e) => {
        if (e.done === e.total) seen.push(e.done);
      },
    );
    expect(seen).toEqual(new Array(10).fill(docs.length));
    expect(cosine(v, "great", "wonderful")).toBeGreaterThan(cosine(v, "great", "awful") + 0.5);
    expect(cosine(v, "dull", "boring")).toBeGreaterThan(cosine(v, "dull", "superb") + 0.5);
  });

  it("word2vec's rate schedule counts only words with a count (unknown ids are skipped, not work)", async () => {
    // ids 0 and 1 play padding/unknown (count 0); 2 and 3 are words.
    const docs = [Int32Array.from([2, 1, 3, 1, 2]), Int32Array.from([0, 3, 3])];
    const counts = Float64Array.from([0, 0, 2, 3]);
    const options = { ...DEFAULT_WORD2VEC, dim: 4, sample: 0, epochs: 2 };
    const state = newState(docs, counts, options, false);
    expect(state.options.totalWork).toBe(10);
    await trainDocuments(state, Uint32Array.from([0, 1]), rng(1));
    expect(state.progress[0]).toBe(5n); // one epoch = the 5 counted tokens, not the 8 ids
    expect(state.progress[1]).toBe(2n);
    // Padding and unknown rows are never touched.
    expect(Array.from(state.output.subarray(0, 8))).toEqual(new Array(8).fill(0));
  });

  it("word2vec is reproducible for a seed and subsamples frequent words", async () => {
    const docs = twoTopicCorpus(100).map((d) => [...d, "the", "the", "the"]);
    const options = { dim: 4, minCount: 1, epochs: 1, seed: 3 };
    const [a, b] = [await trainWord2Vec(docs, options), await trainWord2Vec(docs, options)];
    expect(a.data).toEqual(b.data);
    expect(a.words[0]).toBe("the");
    const c = await trainWord2Vec(docs, { ...options, seed: 4 });
    expect(c.data).not.toEqual(a.data);
  });

  it("round-trips GloVe text and reads word2vec text with a header", async () => {
    const v: WordVectors = { words: ["a", "b"], dim: 3, data: new Float32Array([1, 2, 3, -0.5, 0.25, 1e-3]) };
    const dir = tmp();
    await writeGloveText(join(dir, "g.txt"), v);
    expect(await readWordVectors(join(dir, "g.txt"))).toEqual(v);
    writeFileSync(join(dir, "w2v.txt"), "2 3\na 1 2 3\nb -0.5 0.25 0.001\n");
    expect(await readWordVectors(join(dir, "w2v.txt"))).toEqual(v);
  });

  it("names the line of a malformed file", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.txt"), "a 1 2 3\nb 1 2\n");
    await expect(readWordVectors(join(dir, "bad.txt"))).rejects.toThrow(
      /bad\.txt line 2: 2 values, expected 3/,
    );
    writeFileSync(join(dir, "nan.txt"), "a 1 x 3\n");
    await expect(readWordVectors(join(dir, "nan.txt"))).rejects.toThrow(
      /line 1: value 2 \("x"\) is not a number/,
    );
    await expect(readWordVectors(join(dir, "missing.txt"))).rejects.toThrow(/word vectors not found/);
  });
});

describe.skipIf(!hasTorch)(`word-vector LSTM${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("starts from the vectors, learns the task, and loads without the vectors file", async () => {
    const train = syntheticReviews(300, 1);
    const vectors = await trainGlove([...twoTopicCorpus(300), ...train.map((r) => tokenize(r.text))], {
      dim: 16,
      window: 4,
      minCount: 1,
      epochs: 20,
    });
    const dir = tmp();
    const file = join(dir, "v.txt");
    await writeGloveText(file, vectors);
    const model = family.create({
      vectors: file,
      freezeEmbeddings: true,
      net: { embeddingDim: 16, hiddenSize: 16 },
      text: { minCount: 1 },
      training: { epochs: 5, batchSize: 16, lr: 1e-2, threads: 1, patience: 0 },
    });
    const metrics = await model.fit({ train, validation: syntheticReviews(100, 2, "v") });
    expect(metrics.val_accuracy).toBeGreaterThan(0.85);
    await model.save(join(dir, "m.sentiment"));
    const loaded = await family.load(join(dir, "m.sentiment"));
    const texts = ["the film was great", "the film was awful"];
    const [a, b] = [await model.predictProba(texts), await loaded.predictProba(texts)];
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBeLessThan(1e-6);
    expect(a[0]).toBeGreaterThan(a[1]);
    await expect(
      family
        .create({ vectors: file, net: { embeddingDim: 8 }, text: { minCount: 1 } })
        .fit({ train, validation: train }),
    ).rejects.toThrow(/16-dimensional vectors but net.embeddingDim is 8/);
  });
});
