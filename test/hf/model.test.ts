// HfModel behaviour beyond the reference numbers: long-text strategies, explanations, ratings from
// star labels, save/load, the registry's hf: specs, and the inference-only contract.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HfModel } from "../../src/models/hf/index.ts";
import { withoutUnit } from "../../src/models/hf/occlusion.ts";
import { predict } from "../../src/models/model.ts";
import { loadModel } from "../../src/models/registry.ts";
import { UserError } from "../../src/util/errors.ts";
import { FIXTURE_DIR, reference } from "./fixture.ts";

// ~400 word pieces: longer than the fixture's 128-token window.
const LONG =
  "The first act is a delight, warm and funny. " +
  "Then the film wanders through scene after scene of people talking in kitchens about nothing much. ".repeat(
    20,
  ) +
  "By the end it was a complete waste of time and the worst ending I have seen.";

let tmp: string;
let model: HfModel;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hf-model-"));
  model = await HfModel.load(FIXTURE_DIR);
});
afterAll(async () => {
  await model.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe("long reviews", () => {
  it("each strategy reads a different part of a long review; chunks average their windows", async () => {
    expect(model.encode(LONG).length).toBeGreaterThan(300);
    const byStrategy: Record<string, number> = {};
    for (const longText of ["truncate", "head-tail", "chunks"] as const) {
      const m = await HfModel.load(`${FIXTURE_DIR}?longText=${longText}&maxChunks=64`);
      try {
        [byStrategy[longText]] = await m.predictProba([LONG]);
      } finally {
        await m.dispose();
      }
    }
    // Truncation only sees the warm opening; head+tail also sees the damning ending.
    expect(byStrategy.truncate).toBeGreaterThan(byStrategy["head-tail"]);
    expect(new Set(Object.values(byStrategy)).size).toBe(3);

    // Chunk averaging == mean of P(positive) over the windows, computed by hand.
    const body = model.encode(LONG).slice(1, -1);
    const budget = model.maxLength - 2;
    const step = budget / 2;
    const starts: number[] = [];
    const count = Math.ceil((body.length - budget) / step) + 1;
    for (let i = 0; i < count; i++) starts.push(Math.round((i * (body.length - budget)) / (count - 1)));
    const rows = starts.map((s) => [2, ...body.slice(s, s + budget), 3]);
    const logits = await model.logitsForIds(rows);
    let mean = 0;
    for (let r = 0; r < rows.length; r++)
      mean += 1 / (1 + Math.exp(logits[2 * r] - logits[2 * r + 1])) / rows.length;
    expect(Math.abs(byStrategy.chunks - mean)).toBeLessThan(1e-6);
  });

  it("texts longer than the window mixed with short ones keep their order", async () => {
    const texts = [reference.single[0].text, LONG, reference.single[1].text];
    const together = await model.predictProba(texts);
    for (const [i, t] of texts.entries())
      expect(Math.abs((await model.predictProba([t]))[0] - together[i])).toBeLessThan(1e-6);
  });
});

describe("explain (word occlusion)", () => {
  it("spans are exact character offsets and contributions are leave-one-out log-odds differences", async () => {
    const text = "A wonderful, moving film. The plot was dull!";
    const e = await model.explain(text);
    expect(e.method).toBe("approximate");
    expect(e.text).toBe(text);
    expect(e.tokens.map((t) => t.token)).toEqual([
      "A",
      "wonderful",
      ",",
      "moving",
      "film",
      ".",
      "The",
      "plot",
      "was",
      "dull",
      "!",
    ]);
    for (const t of e.tokens) expect(text.slice(t.start, t.end)).toBe(t.token);
    const [p] = await model.predictProba([text]);
    expect(e.probability).toBeCloseTo(p, 10);
    expect(e.logit).toBeCloseTo(Math.log(p / (1 - p)), 6);
    const wonderful = e.tokens[1];
    const [pWithout] = await model.predictProba([withoutUnit(text, wonderful)]);
    expect(wonderful.contribution).toBeCloseTo(e.logit - Math.log(pWithout / (1 - pWithout)), 6);
    // The fixture is a sentiment model: its strongest positive word must matter most.
    const top = [...e.tokens].sort((a, b) => b.contribution - a.contribution)[0];
    expect(top.token).toBe("wonderful");
  });
});

describe("labels from config.json", () => {
  it("a star-labelled checkpoint predicts a 1-10 rating; POSITIVE/NEGATIVE ones do not", async () => {
    expect(await model.predictRating(["fine"])).toBeNull();
    const dir = join(tmp, "stars");
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    config.id2label = { "0": "1 star", "1": "2 stars" };
    config.label2id = { "1 star": 0, "2 stars": 1 };
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const stars = await HfModel.load(dir);
    try {
      const texts = reference.single.map((s) => s.text);
      const [p, r] = [await stars.predictProba(texts), await stars.predictRating(texts)];
      expect(r).not.toBeNull();
      for (const [i, pi] of p.entries()) expect(r![i]).toBeCloseTo(1 + 9 * pi, 10);
      expect(stars.metadata().hasRating).toBe(true);
      const [first] = await predict(stars, [texts[0]]);
      expect(first.rating).toBeGreaterThan(8);
    } finally {
      await stars.dispose();
    }
  });

  it("labelScores overrides the mapping (here: flips it)", async () => {
    const flipped = await HfModel.load(`${FIXTURE_DIR}?labelScores=1,0`);
    try {
      const [a] = await model.predictProba([reference.single[0].text]);
      const [b] = await flipped.predictProba([reference.single[0].text]);
      expect(a + b).toBeCloseTo(1, 6);
    } finally {
      await flipped.dispose();
    }
  });
});

describe("the model contract", () => {
  it("fit explains that hf checkpoints are fine-tuned with --model distilbert", async () => {
    await expect(model.fit({ train: [], validation: [] })).rejects.toThrow(UserError);
    await expect(model.fit({ train: [], validation: [] })).rejects.toThrow(/--model distilbert --init/);
  });

  it("save writes a Hugging Face folder with the options; loading it reproduces predictions", async () => {
    const m = await HfModel.load(`${FIXTURE_DIR}?longText=chunks&batchSize=3`);
    const dir = join(tmp, "saved");
    try {
      await m.save(dir);
      for (const f of ["config.json", "tokenizer.json", "onnx/model.onnx", "sentiment-hf.json"]) {
        expect(existsSync(join(dir, f))).toBe(true);
      }
      const again = await HfModel.load(dir);
      try {
        expect(again.options.longText).toBe("chunks");
        expect(again.options.batchSize).toBe(3);
        const texts = [LONG, reference.single[2].text];
        expect(Array.from(await again.predictProba(texts))).toEqual(Array.from(await m.predictProba(texts)));
      } finally {
        await again.dispose();
      }
      await m.save(dir); // replacing an earlier save works too
      expect(existsSync(join(dir, "sentiment-hf.json"))).toBe(true);
    } finally {
      await m.dispose();
    }
  });

  it("save refuses to replace a folder that is not a checkpoint", async () => {
    const dir = join(tmp, "precious");
    cpSync(join(FIXTURE_DIR, "vocab.txt"), join(dir, "vocab.txt"), { recursive: true });
    await expect(model.save(dir)).rejects.toThrow(/not a checkpoint folder/);
  });

  it("loadModel understands hf:<folder> and recognises a checkpoint folder by its layout", async () => {
    const viaSpec = await loadModel(`hf:${FIXTURE_DIR}`);
    expect(viaSpec.family).toBe("hf");
    const [p] = await viaSpec.predictProba([reference.single[1].text]);
    expect(p).toBeLessThan(0.1);
    await (viaSpec as HfModel).dispose();
    const viaFolder = await loadModel(FIXTURE_DIR);
    expect(viaFolder.family).toBe("hf");
    await (viaFolder as HfModel).dispose();
  });

  it("dispose is idempotent and later calls fail clearly", async () => {
    const m = await HfModel.load(FIXTURE_DIR);
    await m.dispose();
    await m.dispose();
    await expect(m.predictProba(["x"])).rejects.toThrow(/disposed/);
  });
});
