// Transformer family: size formula vs the built network, padding mask, training, MLM pre-training.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeBatch } from "../../src/models/neural/batching.ts";
import type { NeuralModel } from "../../src/models/neural/neural-model.ts";
import { family, transformerSpec } from "../../src/models/transformer/family.ts";
import { buildTransformer } from "../../src/models/transformer/network.ts";
import { parseTransformerParams } from "../../src/models/transformer/params.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

describe("transformer hyperparameters", () => {
  it("validates heads against the width", () => {
    expect(() => parseTransformerParams({ net: { dim: 30, heads: 4 } })).toThrow(
      /must be divisible by net.heads/,
    );
    expect(parseTransformerParams({ training: { epochs: 1 } }).training.optimizer).toBe("adamw");
  });
});

describe.skipIf(!hasTorch)(
  `transformer on libtorch${torchSkipReason ? ` (${torchSkipReason})` : ""}`,
  async () => {
    const torch = await import("../../packages/torch/src/index.ts");
    const small = {
      net: { dim: 16, heads: 2, layers: 2, ffDim: 32, dropout: 0 },
      text: { minCount: 1, maxLength: 40 },
    };

    it("builds exactly the parameters its formula counts", () => {
      const p = parseTransformerParams(small);
      const net = buildTransformer(torch, p, 50);
      expect(net.store.count()).toBe(transformerSpec.architecture.parameterCount(p, 50));
      net.store.dispose();
    });

    it("ignores padding: a sequence scores the same alone and beside a longer one", () => {
      torch.manualSeed(0);
      const net = buildTransformer(torch, parseTransformerParams(small), 50);
      const a = Int32Array.from([5, 6, 7]);
      const b = Int32Array.from([8, 9, 10, 11, 12, 13, 14]);
      torch.noGrad(() => {
        const alone = net.forward(makeBatch([a], [0]), false).toFloat32Array()[0];
        const both = makeBatch([a, b], [0, 1]);
        const z = net.forward(both, false).toFloat32Array();
        expect(z[both.index.indexOf(0)]).toBeCloseTo(alone, 5);
      });
      net.store.dispose();
    });

    it("learns the synthetic task after MLM pre-training, and round-trips through a file", async () => {
      const model = family.create({
        ...small,
        pretrain: { epochs: 2, batchSize: 32 },
        training: { epochs: 6, batchSize: 16, lr: 3e-3, threads: 1, patience: 0, warmup: 0.05 },
        seed: 2,
      }) as NeuralModel<ReturnType<typeof parseTransformerParams>>;
      const metrics = await model.fit({
        train: syntheticReviews(400, 1),
        validation: syntheticReviews(100, 2, "v"),
        unlabeled: syntheticReviews(200, 3, "u").map(({ label: _l, ...r }) => r),
      });
      expect(metrics.mlm_steps).toBeGreaterThan(0);
      expect(metrics.mlm_sequences).toBe(700); // train + validation + unlabeled texts
      expect(metrics.val_accuracy).toBeGreaterThan(0.9);
      const file = join(mkdtempSync(join(tmpdir(), "tf-")), "m.sentiment");
      await model.save(file);
      const loaded = await family.load(file);
      const texts = ["the plot was great", "the plot was dull"];
      const [p1, p2] = [await model.predictProba(texts), await loaded.predictProba(texts)];
      expect(Math.abs(p1[0] - p2[0]) + Math.abs(p1[1] - p2[1])).toBeLessThan(1e-6);
      expect(p1[0]).toBeGreaterThan(p1[1]);
    });
  },
);
