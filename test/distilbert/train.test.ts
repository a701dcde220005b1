// Fine-tuning on the fixture: frozen weights stay bit-identical, the loss falls, save -> load
// reproduces logits exactly, an interrupted run resumes from its checkpoint.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Review } from "../../src/data/types.ts";
import { DistilBertModel } from "../../src/models/distilbert/index.ts";
import { type Example, GroupedAdamW, stepPrecision, trainStep } from "../../src/models/distilbert/train.ts";
import { loadModel } from "../../src/models/registry.ts";
import { UserError } from "../../src/util/errors.ts";
import { FIXTURE_DIR } from "../hf/fixture.ts";
import { hasTorch, torchSkipReason } from "../torch/setup.ts";

const POS = [
  "A wonderful, moving film with superb acting.",
  "I loved it, the best film of the year.",
  "Brilliant and beautiful, a joy from start to finish.",
  "Great story, great cast, great music.",
];
const NEG = [
  "A complete waste of time; the plot made no sense.",
  "Worst movie ever. Avoid at all costs.",
  "Boring, dull and far too long.",
  "Terrible acting and an awful script.",
];
const reviews: Review[] = [
  ...POS.map((text, i) => ({ id: `pos/${i}`, text, label: 1 as const })),
  ...NEG.map((text, i) => ({ id: `neg/${i}`, text, label: 0 as const })),
];

let tmp: string;
let base: DistilBertModel;
let examples: Example[];
beforeAll(async () => {
  if (!hasTorch) return;
  tmp = mkdtempSync(join(tmpdir(), "distilbert-"));
  base = await DistilBertModel.load(FIXTURE_DIR);
  // A hard batch: the fixture's labels flipped, so every step has a real gradient to follow.
  examples = reviews.map((r) => ({ ids: base.encoder.encode(r.text), label: r.label === 1 ? 0 : 1 }));
});
afterAll(async () => {
  await base?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function snapshot(m: DistilBertModel): Map<string, Float32Array> {
  return new Map([...m.network.snapshot()].map(([k, v]) => [k, v.data]));
}

function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a.keys()].filter((k) => !a.get(k)!.every((v, i) => Object.is(v, b.get(k)![i])));
}

describe.skipIf(!hasTorch)(`two-phase fine-tuning${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("phase 1: a step changes only the head; the frozen encoder is bit-identical", async () => {
    const m = await DistilBertModel.load(FIXTURE_DIR);
    try {
      const before = snapshot(m);
      const names = m.network.trainableNames(0);
      m.network.setTrainable(names);
      const opt = new GroupedAdamW(m.network, names, 1e-2, 0.01);
      trainStep(m.network, opt, examples, m.encoder.padId, 1);
      opt.dispose();
      expect(changed(before, snapshot(m)).sort()).toEqual(
        ["classifier.bias", "classifier.weight", "pre_classifier.bias", "pre_classifier.weight"].sort(),
      );
    } finally {
      await m.dispose();
    }
  });

  it("phase 2 with k=1: the last block and the head move; embeddings and block 0 do not", async () => {
    const m = await DistilBertModel.load(FIXTURE_DIR);
    try {
      const before = snapshot(m);
      const names = m.network.trainableNames(1);
      m.network.setTrainable(names);
      const opt = new GroupedAdamW(m.network, names, 1e-2, 0.01);
      trainStep(m.network, opt, examples, m.encoder.padId, 1);
      opt.dispose();
      const moved = changed(before, snapshot(m));
      expect(moved.length).toBe(names.length);
      expect(moved.every((n) => !n.includes("layer.0.") && !n.includes("embeddings"))).toBe(true);
      expect(moved.some((n) => n.includes("layer.1."))).toBe(true);
    } finally {
      await m.dispose();
    }
  });

  it("the loss falls over a few steps on a small batch", async () => {
    const m = await DistilBertModel.load(FIXTURE_DIR);
    try {
      const names = m.network.trainableNames(2);
      m.network.setTrainable(names);
      const opt = new GroupedAdamW(m.network, names, 3e-3, 0);
      const losses = Array.from({ length: 8 }, () => trainStep(m.network, opt, examples, m.encoder.padId, 1));
      opt.dispose();
      expect(losses[7]).toBeLessThan(losses[0] * 0.5);
    } finally {
      await m.dispose();
    }
  });

  it("fit runs both phases, keeps the best epoch, saves HF layout; save -> load gives identical logits", async () => {
    const m = new DistilBertModel({
      init: FIXTURE_DIR,
      batchSize: 4,
      phase1Epochs: 1,
      phase2Epochs: 1,
      phase2Lr: 1e-3,
    });
    const events: string[] = [];
    const metrics = await m.fit(
      { train: reviews, validation: reviews, dataSha256: "abc123" },
      { onProgress: (e) => events.push(e.phase) },
    );
    expect(metrics.epochs).toBe(2);
    expect(metrics.val_accuracy).toBeGreaterThanOrEqual(0.75);
    expect(events.some((e) => e.startsWith("phase 1"))).toBe(true);
    expect(events.some((e) => e.startsWith("phase 2"))).toBe(true);

    const dir = join(tmp, "fine-tuned");
    await m.save(dir);
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "README.md"]) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.architectures).toEqual(["DistilBertForSequenceClassification"]);
    expect(config.id2label).toEqual({ "0": "NEGATIVE", "1": "POSITIVE" });
    const card = readFileSync(join(dir, "README.md"), "utf8");
    expect(card).toContain(FIXTURE_DIR);
    expect(card).toMatch(/Phase 1: pre_classifier \+ classifier/);

    const again = await loadModel(dir);
    expect(again.family).toBe("distilbert");
    const rows = reviews.map((r) => m.encoder.encode(r.text));
    expect(Array.from((again as DistilBertModel).logitsForIds(rows))).toEqual(
      Array.from(m.logitsForIds(rows)),
    );
    expect(again.metadata().metrics.val_accuracy).toBe(metrics.val_accuracy);
    expect(again.metadata().dataSha256).toBe("abc123");
    await (again as DistilBertModel).dispose();
    await m.dispose();
  });

  it("an interrupted run resumes from its checkpoint instead of starting over", async () => {
    const params = {
      init: FIXTURE_DIR,
      batchSize: 4,
      phase1Epochs: 2,
      phase2Epochs: 1,
      checkpointDir: join(tmp, "ckpt"),
    };
    const first = new DistilBertModel(params);
    const controller = new AbortController();
    await expect(
      first.fit(
        { train: reviews, validation: reviews },
        {
          signal: controller.signal,
          onProgress: (e) => {
            if (e.phase.includes("epoch 2/2")) controller.abort();
          },
        },
      ),
    ).rejects.toThrow(/cancelled/);
    await first.dispose();
    const state = JSON.parse(readFileSync(join(tmp, "ckpt", "state.json"), "utf8"));
    expect(state.history.length).toBe(1);

    const second = new DistilBertModel(params);
    const phases: string[] = [];
    const metrics = await second.fit(
      { train: reviews, validation: reviews },
      { onProgress: (e) => phases.push(e.phase) },
    );
    expect(phases.some((p) => p.includes("epoch 1/2"))).toBe(false);
    expect(metrics.epochs).toBe(3);
    expect(second.metadata().details?.recipe).toMatchObject({ history: expect.any(Array) });
    await second.dispose();

    const other = new DistilBertModel({ ...params, seed: 7 });
    await expect(other.fit({ train: reviews, validation: reviews })).rejects.toThrow(
      /different training run/,
    );
  });

  it("clear errors: no init, unknown hyperparameter, fp16 on CPU", async () => {
    await expect(new DistilBertModel().fit({ train: reviews, validation: [] })).rejects.toThrow(/--init/);
    expect(() => new DistilBertModel({ learningRate: 1 })).toThrow(UserError);
    expect(() => new DistilBertModel({ learningRate: 1 })).toThrow(/valid: .*phase2Lr/);
    const fp16 = new DistilBertModel({ init: FIXTURE_DIR, precision: "fp16" });
    const err = await fp16.fit({ train: reviews, validation: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/fp16.*CUDA build of libtorch and a GPU.*"bf16"/);
    await fp16.dispose();
  });

  it("bf16: a fine-tuning step runs under CPU autocast, the loss falls, weights and gradients stay float32", async () => {
    const m = await DistilBertModel.load(FIXTURE_DIR);
    const plain = await DistilBertModel.load(FIXTURE_DIR);
    try {
      const names = m.network.trainableNames(2);
      const losses: number[][] = [];
      for (const [model, precision] of [
        [m, "bf16"],
        [plain, "fp32"],
      ] as const) {
        model.network.setTrainable(names);
        const opt = new GroupedAdamW(model.network, names, 3e-3, 0);
        const amp = stepPrecision(model.network, precision);
        expect(amp.scaler.enabled).toBe(false); // bfloat16 has float32's range: no loss scaling
        losses.push(
          Array.from({ length: 8 }, () =>
            trainStep(model.network, opt, examples, model.encoder.padId, 1, amp),
          ),
        );
        opt.dispose();
      }
      const [bf16, fp32] = losses;
      expect(bf16[7]).toBeLessThan(bf16[0] * 0.5);
      expect(bf16[0]).not.toBe(fp32[0]); // the forward pass really ran in bfloat16
      expect(Math.abs(bf16[0] - fp32[0])).toBeLessThan(0.05);
      for (const t of m.network.params.values()) expect(t.dtype).toBe("float32");
    } finally {
      await m.dispose();
      await plain.dispose();
    }
  });

  it("bf16: padding stays masked (bfloat16's own minimum fills the scores)", async () => {
    const { autocast, noGrad, tidy } = await import("../../packages/torch/src/index.ts");
    const { batchTensors } = await import("../../src/models/distilbert/network.ts");
    const short = base.encoder.encode("Great film.");
    const long = base.encoder.encode(`${NEG.join(" ")} ${POS.join(" ")}`);
    expect(long.length).toBeGreaterThan(5 * short.length);
    const logits = (batch: number[][], attend: "mask" | "all") =>
      noGrad(() =>
        tidy(() => {
          const { ids, mask } = batchTensors(batch, base.encoder.padId);
          const m = attend === "mask" ? mask : mask.mul(0).add(1);
          return autocast({ device: "cpu", dtype: "bfloat16" }, () =>
            base.network.forward(ids, m, false),
          ).toFloat32Array();
        }),
      );
    const alone = logits([short], "mask");
    const padded = logits([short, long], "mask");
    expect(Math.abs(padded[0] - alone[0]) + Math.abs(padded[1] - alone[1])).toBeLessThan(0.02);
    // Control: attending to the padding moves the logits far more than bfloat16 rounding would.
    const unmasked = logits([short, long], "all");
    expect(Math.abs(unmasked[0] - alone[0])).toBeGreaterThan(0.1);
  });

  it("fit with precision bf16 runs both phases and records the precision in metadata and model card", async () => {
    const m = new DistilBertModel({ init: FIXTURE_DIR, batchSize: 4, phase2Lr: 1e-3, precision: "bf16" });
    const metrics = await m.fit({ train: reviews, validation: reviews });
    expect(metrics.epochs).toBe(3);
    expect(m.metadata().hyperparameters.precision).toBe("bf16");
    const dir = join(tmp, "bf16");
    await m.save(dir);
    expect(readFileSync(join(dir, "README.md"), "utf8")).toMatch(/precision bf16/);
    await m.dispose();
  });
});
