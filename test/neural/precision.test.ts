// Mixed precision in the neural trainer: bf16 (CPU autocast) trains the tiny BiLSTM and Transformer
// configurations, the precision is recorded with the hyperparameters, fp16 on the CPU is refused
// before any work, and the trainer's GradScaler wiring (scale -> unscale -> clip -> step) is exact.
import { describe, expect, it } from "vitest";
import { family as bilstm } from "../../src/models/bilstm/family.ts";
import { buildBilstm } from "../../src/models/bilstm/network.ts";
import { parseBilstmParams } from "../../src/models/bilstm/params.ts";
import type { ModelMetadata } from "../../src/models/model.ts";
import { makeBatch } from "../../src/models/neural/batching.ts";
import { family as transformer } from "../../src/models/transformer/family.ts";
import { trainStep } from "../../src/train/neural/trainer.ts";
import { precisionPlan } from "../../src/train/precision.ts";
import { UserError } from "../../src/util/errors.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

type History = { epoch: number; trainLoss: number; valLoss: number }[];
const history = (m: ModelMetadata) => (m.details as { training: { history: History } }).training.history;
const data = () => ({ train: syntheticReviews(128, 1), validation: syntheticReviews(64, 2, "v") });

describe("precision plans", () => {
  it("fp32: nothing; bf16: bfloat16 autocast on the model's device; fp16: CUDA only, with loss scaling", () => {
    expect(precisionPlan("fp32", "cpu")).toEqual({
      precision: "fp32",
      autocast: undefined,
      lossScaling: false,
    });
    expect(precisionPlan("bf16", "cpu").autocast).toEqual({ device: "cpu", dtype: "bfloat16" });
    expect(precisionPlan("bf16", "cuda:0").autocast).toEqual({ device: "cuda", dtype: "bfloat16" });
    expect(precisionPlan("fp16", "cuda:0")).toEqual({
      precision: "fp16",
      autocast: { device: "cuda", dtype: "float16" },
      lossScaling: true,
    });
    expect(() => precisionPlan("fp16", "cpu")).toThrow(UserError);
    expect(() => precisionPlan("fp16", "cpu")).toThrow(
      /CUDA build of libtorch and a GPU.*use precision "bf16"/,
    );
  });
});

describe.skipIf(!hasTorch)(
  `mixed-precision training${torchSkipReason ? ` (${torchSkipReason})` : ""}`,
  () => {
    const base = { variant: "fast", net: { embeddingDim: 8, hiddenSize: 8 }, text: { minCount: 1 }, seed: 3 };
    const training = { epochs: 3, batchSize: 32, lr: 1e-2, threads: 1, patience: 0 };

    it("bf16 trains a BiLSTM on the CPU: the loss falls, differs from fp32's, and bf16 is in the metadata", async () => {
      const bf16 = bilstm.create({ ...base, training: { ...training, precision: "bf16" } });
      await bf16.fit(data());
      const h = history(bf16.metadata());
      expect(h[2].trainLoss).toBeLessThan(h[0].trainLoss);
      expect(h[2].valLoss).toBeLessThan(h[0].valLoss);
      expect((bf16.metadata().hyperparameters.training as { precision: string }).precision).toBe("bf16");
      const fp32 = bilstm.create({ ...base, training });
      await fp32.fit(data());
      expect((fp32.metadata().hyperparameters.training as { precision: string }).precision).toBe("fp32");
      // Same seed and batches: only the bfloat16 forward pass can make the losses differ.
      expect(history(fp32.metadata())[0].trainLoss).not.toBe(h[0].trainLoss);
      expect(Math.abs(history(fp32.metadata())[0].trainLoss - h[0].trainLoss)).toBeLessThan(0.05);
    });

    it("bf16 trains the tiny Transformer on the CPU (attention masking in bfloat16 included)", async () => {
      const model = transformer.create({
        net: { dim: 16, heads: 2, layers: 2, ffDim: 32, dropout: 0 },
        text: { minCount: 1, maxLength: 40 },
        training: { epochs: 4, batchSize: 16, lr: 3e-3, threads: 1, patience: 0, precision: "bf16" },
        seed: 2,
      });
      const metrics = await model.fit(data());
      const h = history(model.metadata());
      expect(h[3].trainLoss).toBeLessThan(h[0].trainLoss * 0.9);
      expect(metrics.val_accuracy).toBeGreaterThan(0.7);
    });

    it("fp16 on the CPU fails at once with an error that says CUDA and suggests bf16", async () => {
      const model = bilstm.create({ ...base, training: { ...training, precision: "fp16" } });
      const err = await model.fit(data()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/fp16.*CUDA.*"bf16"/);
      // The transformer checks before MLM pre-training, not after it.
      const tf = transformer.create({
        net: { dim: 16, heads: 2, layers: 1, ffDim: 16 },
        text: { minCount: 1 },
        pretrain: { epochs: 50 },
        training: { precision: "fp16" },
      });
      const started = performance.now();
      await expect(tf.fit({ ...data(), unlabeled: [] })).rejects.toThrow(/CUDA/);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(() => bilstm.create({ ...base, training: { precision: "fp8" } })).toThrow();
    });

    it("with loss scaling on, a trainer step matches the unscaled step; an inf gradient skips it", async () => {
      const torch = await import("../../packages/torch/src/index.ts");
      const p = parseBilstmParams({ ...base, training });
      const seqs = [Int32Array.from([2, 3, 4, 5]), Int32Array.from([6, 7, 2])];
      const batch = makeBatch(seqs, [0, 1], Float32Array.from([1, 0]));
      const run = (scaler: InstanceType<typeof torch.GradScaler>) => {
        torch.manualSeed(5);
        const net = buildBilstm(torch, p, 10);
        const params = net.store.list();
        const opt = new torch.Optimizer("adam", params, { lr: 1e-2 });
        const fp32 = precisionPlan("fp32", "cpu");
        const out = trainStep(torch, net, opt, params, batch, 1, fp32, scaler);
        const after = params.map((t) => Array.from(t.toFloat32Array()));
        opt.dispose();
        net.store.dispose();
        return { ...out, after };
      };
      const plain = run(new torch.GradScaler({ enabled: false }));
      const scaler = new torch.GradScaler();
      const scaled = run(scaler);
      expect(scaled.loss).toBe(plain.loss);
      expect(scaled.after).toEqual(plain.after);
      expect(scaler.state()).toEqual({ scale: 65536, growthTracker: 1 });
      // A scale that overflows float32 makes every gradient inf: the step is skipped and the scale halves.
      const overflow = new torch.GradScaler({ initScale: 2 ** 140 });
      torch.manualSeed(5);
      const initial = buildBilstm(torch, p, 10);
      const before = initial.store.list().map((t) => Array.from(t.toFloat32Array()));
      initial.store.dispose();
      expect(run(overflow).after).toEqual(before);
      expect(overflow.getScale()).toBe(2 ** 139);
    });
  },
);
