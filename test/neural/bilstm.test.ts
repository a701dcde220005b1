// BiLSTM family: the reference size, training on a tiny synthetic task, save/load, explanations.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bilstmSpec, family } from "../../src/models/bilstm/family.ts";
import { parseBilstmParams } from "../../src/models/bilstm/params.ts";
import { NeuralModel } from "../../src/models/neural/neural-model.ts";
import { loadModel } from "../../src/models/registry.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

const REFERENCE_PARAMETERS = 3_648_257;

describe("bilstm reference specification", () => {
  it(`has ${REFERENCE_PARAMETERS.toLocaleString("en")} parameters (computed without libtorch)`, () => {
    const model = new NeuralModel(bilstmSpec, { variant: "reference" });
    const info = model.describe();
    expect(info.parameterCount).toBe(REFERENCE_PARAMETERS);
    expect(info.vocabSize).toBe(10_002);
    expect(model.params.training).toMatchObject({ optimizer: "adam", lr: 1e-3, batchSize: 64, clip: 1 });
    expect(model.params.text).toMatchObject({ maxVocab: 10_000, minCount: 5, maxLength: 256 });
  });

  it("deep-merges overrides over the variant and rejects unknown keys", () => {
    const p = parseBilstmParams({ variant: "fast", training: { epochs: 1 } });
    expect(p.training.epochs).toBe(1);
    expect(p.training.bucket).toBe(true);
    expect(() => parseBilstmParams({ net: { hidden: 3 } })).toThrow(
      /invalid bilstm hyperparameters.*hidden/s,
    );
    expect(() => parseBilstmParams({ variant: "huge" })).toThrow(/unknown bilstm variant "huge"/);
  });
});

describe.skipIf(!hasTorch)(`bilstm on libtorch${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it(`builds exactly ${REFERENCE_PARAMETERS.toLocaleString("en")} parameters with PyTorch's names`, async () => {
    const torch = await import("../../packages/torch/src/index.ts");
    const p = parseBilstmParams({ variant: "reference" });
    const vocab = Array.from({ length: 10_002 }, (_, i) => (i === 0 ? "<PAD>" : i === 1 ? "<UNK>" : `w${i}`));
    const net = await bilstmSpec.architecture.build(torch, p, vocab, "train");
    expect(net.store.count()).toBe(REFERENCE_PARAMETERS);
    expect(Object.keys(net.store.shapes())).toEqual([
      "embedding.weight",
      ...["l0", "l0_reverse", "l1", "l1_reverse"].flatMap((s) =>
        ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map((k) => `lstm.${k}_${s}`),
      ),
      "fc.weight",
      "fc.bias",
    ]);
    net.store.dispose();
  });

  for (const variant of ["reference", "fast"] as const) {
    it(`${variant} variant learns a synthetic task, saves, loads and explains`, async () => {
      const train = syntheticReviews(400, 1);
      const validation = syntheticReviews(100, 2, "v");
      const test = syntheticReviews(100, 3, "t");
      const model = family.create({
        variant,
        net: { embeddingDim: 16, hiddenSize: 16 },
        text: { minCount: 1 },
        training: { epochs: 8, batchSize: 16, lr: 1e-2, threads: 1, patience: 0, decay: "constant" },
        seed: 1,
      }) as NeuralModel<ReturnType<typeof parseBilstmParams>>;
      const metrics = await model.fit({ train, validation });
      expect(metrics.val_accuracy).toBeGreaterThan(0.9);
      const p = await model.predictProba(test.map((r) => r.text));
      const acc = test.filter((r, i) => (p[i] > 0.5 ? 1 : 0) === r.label).length / test.length;
      expect(acc).toBeGreaterThan(0.9);

      const dir = mkdtempSync(join(tmpdir(), "bilstm-"));
      const file = join(dir, "m.sentiment");
      await model.save(file);
      const loaded = await loadModel(file);
      expect(loaded.family).toBe("bilstm");
      const p2 = await loaded.predictProba(test.map((r) => r.text));
      for (let i = 0; i < p.length; i++) expect(Math.abs(p2[i] - p[i])).toBeLessThan(1e-6);
      expect(loaded.metadata().parameterCount).toBe(model.metadata().parameterCount);

      const ex = await loaded.explain("the plot was great and the cast was wonderful");
      const top = [...ex.tokens].sort((a, b) => b.contribution - a.contribution)[0];
      expect(["great", "wonderful"]).toContain(top.token);
      expect(ex.method).toBe("approximate");

      const bytes = readFileSync(file);
      bytes[bytes.length - 100] ^= 0xff;
      writeFileSync(file, bytes);
      await expect(loadModel(file)).rejects.toThrow(/checksum mismatch/);
      model.dispose();
    });
  }
});
