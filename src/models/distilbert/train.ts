// Two-phase DistilBERT fine-tuning, in nanoGPT's order: config -> data -> model -> optimiser ->
// loop (lr from a pure schedule, clip, step, log) -> evaluate -> checkpoint the best. Phase 1 trains
// only the classification head on a frozen encoder; phase 2 also unfreezes the last k blocks at a
// lower rate. State is checkpointed after every epoch so an interrupted run resumes where it stopped.
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import {
  autocast,
  clipGradNorm,
  crossEntropy,
  decodeSafetensors,
  encodeSafetensors,
  GradScaler,
  type GradScalerState,
  learningRate,
  manualSeed,
  noGrad,
  Optimizer,
  type SafeTensor,
  type Tensor,
  tensor,
  tidy,
} from "../../../packages/torch/src/index.ts";
import { type PrecisionPlan, precisionPlan } from "../../train/precision.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { ModelFileError, UserError } from "../../util/errors.ts";
import type { FitOptions } from "../model.ts";
import { batchTensors, type DistilBertNetwork } from "./network.ts";
import type { DistilBertParams } from "./params.ts";

/** One training window and its class index. */
export interface Example {
  ids: number[];
  label: number;
}

export interface EpochRecord {
  phase: 1 | 2;
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

export interface TrainResult {
  history: EpochRecord[];
  best: EpochRecord | undefined;
  metrics: Record<string, number>;
}

/** AdamW in two groups, as HF's Trainer does: no weight decay on biases and LayerNorm weights. */
export class GroupedAdamW {
  readonly groups: Optimizer[] = [];
  readonly params: Tensor[];

  constructor(network: DistilBertNetwork, names: readonly string[], lr: number, weightDecay: number) {
    const noDecay = (n: string) => n.endsWith(".bias") || /LayerNorm|layer_norm/.test(n);
    const decay = names.filter((n) => !noDecay(n)).map((n) => network.params.get(n)!);
    const plain = names.filter(noDecay).map((n) => network.params.get(n)!);
    if (decay.length) this.groups.push(new Optimizer("adamw", decay, { lr, weightDecay }));
    if (plain.length) this.groups.push(new Optimizer("adamw", plain, { lr, weightDecay: 0 }));
    this.params = [...decay, ...plain];
  }
  setLr(lr: number): void {
    for (const g of this.groups) g.setLr(lr);
  }
  zeroGrad(): void {
    for (const g of this.groups) g.zeroGrad();
  }
  step(): void {
    for (const g of this.groups) g.step();
  }
  save(prefix: string): string[] {
    return this.groups.map((g, i) => {
      const path = `${prefix}-${i}.pt`;
      g.saveState(path);
      return path;
    });
  }
  load(paths: readonly string[]): void {
    for (const [i, g] of this.groups.entries()) g.loadState(paths[i]);
  }
  dispose(): void {
    for (const g of this.groups) g.dispose();
  }
}

/** Mixed precision of a training step: the forward pass's autocast region and the loss scaler. */
export interface StepPrecision {
  plan: PrecisionPlan;
  scaler: GradScaler;
}

const FP32: StepPrecision = {
  plan: precisionPlan("fp32", "cpu"),
  scaler: new GradScaler({ enabled: false }),
};

/** The training precision for `network` (on its device). @throws UserError for fp16 on the CPU. */
export function stepPrecision(
  network: DistilBertNetwork,
  precision: DistilBertParams["precision"],
): StepPrecision {
  const first = network.params.values().next().value;
  const plan = precisionPlan(precision, first?.device ?? "cpu");
  return { plan, scaler: new GradScaler({ enabled: plan.lossScaling }) };
}

/**
 * One optimisation step on one batch; returns the loss before the step. The forward pass runs under
 * `amp`'s autocast region and the cross-entropy in float32 outside it; with loss scaling (fp16) a
 * step whose gradients hold inf/NaN is skipped and the scale lowered.
 */
export function trainStep(
  network: DistilBertNetwork,
  opt: GroupedAdamW,
  batch: readonly Example[],
  padId: number,
  clipNorm: number,
  amp: StepPrecision = FP32,
): number {
  return tidy(() => {
    opt.zeroGrad();
    const { ids, mask } = batchTensors(
      batch.map((e) => e.ids),
      padId,
    );
    const labels = tensor(
      BigInt64Array.from(batch, (e) => BigInt(e.label)),
      [batch.length],
      "int64",
    );
    const forward = () => network.forward(ids, mask, true);
    const logits = amp.plan.autocast ? autocast(amp.plan.autocast, forward) : forward();
    const loss = crossEntropy(logits.to("float32"), labels);
    const value = loss.item();
    if (!Number.isFinite(value)) {
      const hint =
        amp.plan.precision === "fp16" ? " or train in bf16/fp32 (float16 activations overflow)" : "";
      throw new UserError(`training diverged: loss is ${value}; lower the learning rate${hint}`);
    }
    amp.scaler.scale(loss).backward();
    if (clipNorm > 0) {
      amp.scaler.unscale(opt);
      clipGradNorm(opt.params, clipNorm);
    }
    amp.scaler.step(opt);
    amp.scaler.update();
    return value;
  });
}

/** Mean cross-entropy and accuracy on `examples` (eval mode, no gradients). */
export function evaluate(
  network: DistilBertNetwork,
  examples: readonly Example[],
  padId: number,
  batchSize: number,
): { loss: number; accuracy: number } {
  if (examples.length === 0) return { loss: Number.NaN, accuracy: Number.NaN };
  const order = examples.map((_, i) => i).sort((a, b) => examples[b].ids.length - examples[a].ids.length);
  let loss = 0;
  let correct = 0;
  noGrad(() => {
    for (let s = 0; s < order.length; s += batchSize) {
      const batch = order.slice(s, s + batchSize).map((i) => examples[i]);
      tidy(() => {
        const { ids, mask } = batchTensors(
          batch.map((e) => e.ids),
          padId,
        );
        const labels = tensor(
          BigInt64Array.from(batch, (e) => BigInt(e.label)),
          [batch.length],
          "int64",
        );
        const logits = network.forward(ids, mask, false);
        loss += crossEntropy(logits, labels, { reduction: "sum" }).item();
        const pred = logits.argmax(1).data() as BigInt64Array;
        batch.forEach((e, i) => {
          if (Number(pred[i]) === e.label) correct++;
        });
      });
    }
  });
  return { loss: loss / examples.length, accuracy: correct / examples.length };
}

/** Deterministic shuffle (mulberry32), so a resumed epoch sees the same order. */
export function shuffled(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface RunState {
  version: 1;
  /** What must match for a resume to be valid. */
  signature: string;
  phase: 1 | 2;
  /** Epochs finished in `phase`. */
  epochsDone: number;
  history: EpochRecord[];
  weightsFile: string;
  bestFile?: string;
  optimizerFiles: string[];
  /** Loss scale and growth count (fp16 only). */
  scaler?: GradScalerState;
}

function readRunState(dir: string, signature: string): RunState | undefined {
  const path = join(dir, "state.json");
  if (!existsSync(path)) return undefined;
  let state: RunState;
  try {
    state = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ModelFileError(`${path} is corrupt (${(err as Error).message}); delete ${dir} to start over`);
  }
  if (state.signature !== signature) {
    throw new UserError(
      `${dir} holds the checkpoint of a different training run; use another checkpointDir or delete it`,
    );
  }
  return state;
}

function isBetter(a: EpochRecord, b: EpochRecord): boolean {
  return a.valAccuracy > b.valAccuracy || (a.valAccuracy === b.valAccuracy && a.valLoss < b.valLoss);
}

function loadSnapshot(network: DistilBertNetwork, path: string): void {
  network.loadWeights(decodeSafetensors(readFileSync(path)).tensors, path);
}

/**
 * Fine-tune `network` in place and leave it holding the weights of the best validation epoch.
 * @throws UserError when cancelled through `options.signal` or when the loss diverges.
 */
export async function fineTune(
  network: DistilBertNetwork,
  data: { train: readonly Example[]; validation: readonly Example[]; padId: number },
  p: DistilBertParams,
  options: FitOptions = {},
): Promise<TrainResult> {
  // --- config -----------------------------------------------------------------------------------
  const phases = [
    { phase: 1 as const, epochs: p.phase1Epochs, lr: p.phase1Lr, names: network.trainableNames(0) },
    {
      phase: 2 as const,
      epochs: p.phase2Epochs,
      lr: p.phase2Lr,
      names: network.trainableNames(p.unfreezeLayers, p.unfreezeEmbeddings),
    },
  ];
  const signature = JSON.stringify({ ...p, checkpointDir: undefined, trainSize: data.train.length });
  const seed = options.seed ?? p.seed;
  const amp = stepPrecision(network, p.precision);
  manualSeed(seed);
  const stepsPerEpoch = Math.ceil(data.train.length / p.batchSize);
  if (stepsPerEpoch === 0) throw new UserError("no training examples");

  // --- resume -----------------------------------------------------------------------------------
  let state = p.checkpointDir ? readRunState(p.checkpointDir, signature) : undefined;
  const history: EpochRecord[] = state ? [...state.history] : [];
  let bestWeights: Map<string, SafeTensor> | undefined;
  let best: EpochRecord | undefined = history.reduce<EpochRecord | undefined>(
    (b, h) => (b === undefined || isBetter(h, b) ? h : b),
    undefined,
  );
  if (state) {
    loadSnapshot(network, join(p.checkpointDir!, state.weightsFile));
    if (state.bestFile)
      bestWeights = decodeSafetensors(readFileSync(join(p.checkpointDir!, state.bestFile))).tensors;
    if (state.scaler && amp.scaler.enabled) amp.scaler.loadState(state.scaler);
  }

  for (const ph of phases) {
    if (ph.epochs === 0 || (state && state.phase > ph.phase)) continue;
    const trainable = network.setTrainable(ph.names);
    const opt = new GroupedAdamW(network, ph.names, ph.lr, p.weightDecay);
    const totalSteps = ph.epochs * stepsPerEpoch;
    const schedule = {
      lr: ph.lr,
      totalSteps,
      warmupSteps: Math.round(p.warmupRatio * totalSteps),
      decay: "linear" as const,
    };
    let firstEpoch = 0;
    if (state && state.phase === ph.phase) {
      firstEpoch = state.epochsDone;
      if (firstEpoch > 0) opt.load(state.optimizerFiles.map((f) => join(p.checkpointDir!, f)));
    }
    try {
      for (let epoch = firstEpoch; epoch < ph.epochs; epoch++) {
        // --- one epoch ----------------------------------------------------------------------------
        const started = performance.now();
        const order = shuffled(data.train.length, seed * 1000 + ph.phase * 100 + epoch);
        const label = `phase ${ph.phase} (${trainable.length} tensors) epoch ${epoch + 1}/${ph.epochs}`;
        let lossSum = 0;
        for (let s = 0; s < stepsPerEpoch; s++) {
          if (options.signal?.aborted) throw new UserError("training cancelled");
          const step = epoch * stepsPerEpoch + s;
          opt.setLr(learningRate(step, schedule));
          const batch = order.slice(s * p.batchSize, (s + 1) * p.batchSize).map((i) => data.train[i]);
          const loss = trainStep(network, opt, batch, data.padId, p.clipNorm, amp);
          lossSum += loss;
          const globalStep = (ph.phase === 2 ? phases[0].epochs * stepsPerEpoch : 0) + step;
          options.onMetric?.("train_loss", loss, globalStep);
          options.onProgress?.({
            phase: label,
            done: s + 1,
            total: stepsPerEpoch,
            metrics: { loss: lossSum / (s + 1) },
          });
          // Let Ctrl-C, timers and progress output through between batches.
          await new Promise((r) => setImmediate(r));
        }
        // --- evaluate and checkpoint ----------------------------------------------------------------
        const val = evaluate(network, data.validation, data.padId, p.evalBatchSize);
        const record: EpochRecord = {
          phase: ph.phase,
          epoch: epoch + 1,
          trainLoss: lossSum / stepsPerEpoch,
          valLoss: val.loss,
          valAccuracy: val.accuracy,
          seconds: (performance.now() - started) / 1000,
        };
        history.push(record);
        const step = (ph.phase === 2 ? phases[0].epochs * stepsPerEpoch : 0) + (epoch + 1) * stepsPerEpoch;
        options.onMetric?.("val_accuracy", val.accuracy, step);
        options.onMetric?.("val_loss", val.loss, step);
        if (amp.scaler.enabled) options.onMetric?.("loss_scale", amp.scaler.getScale(), step);
        options.onProgress?.({
          phase: label,
          done: stepsPerEpoch,
          total: stepsPerEpoch,
          metrics: { loss: record.trainLoss, val_acc: val.accuracy },
        });
        // Best = highest validation accuracy, ties broken by lower validation loss.
        const improved = data.validation.length === 0 || best === undefined || isBetter(record, best);
        if (improved) {
          best = record;
          bestWeights = network.snapshot();
        }
        if (p.checkpointDir)
          state = await saveRunState(p.checkpointDir, network, opt, bestWeights, improved, state, {
            signature,
            phase: ph.phase,
            epochsDone: epoch + 1,
            history,
            scaler: amp.scaler.enabled ? amp.scaler.state() : undefined,
          });
      }
    } finally {
      opt.dispose();
    }
  }
  network.setTrainable([]);
  if (bestWeights) network.loadWeights(bestWeights, "best epoch");
  const epochs = history.length;
  const metrics: Record<string, number> = { epochs };
  if (best) {
    metrics.val_accuracy = best.valAccuracy;
    metrics.val_loss = best.valLoss;
    metrics.train_loss = best.trainLoss;
  }
  if (epochs) metrics.seconds_per_epoch = history.reduce((a, h) => a + h.seconds, 0) / epochs;
  return { history, best, metrics };
}

async function saveRunState(
  dir: string,
  network: DistilBertNetwork,
  opt: GroupedAdamW,
  bestWeights: Map<string, SafeTensor> | undefined,
  improved: boolean,
  previous: RunState | undefined,
  s: Pick<RunState, "signature" | "phase" | "epochsDone" | "history" | "scaler">,
): Promise<RunState> {
  // Files are named per epoch and state.json (written last, atomically) points at them, so a crash
  // while saving leaves the previous, complete checkpoint in force.
  const tag = `p${s.phase}e${s.epochsDone}`;
  const weightsFile = `weights-${tag}.safetensors`;
  await writeFileAtomic(join(dir, weightsFile), encodeSafetensors(network.snapshot()));
  let bestFile = previous?.bestFile;
  if (improved && bestWeights) {
    bestFile = `best-${tag}.safetensors`;
    await writeFileAtomic(join(dir, bestFile), encodeSafetensors(bestWeights));
  }
  const optimizerFiles = opt.save(join(dir, `optimizer-${tag}`)).map((f) => f.slice(dir.length + 1));
  const state: RunState = { version: 1, ...s, weightsFile, bestFile, optimizerFiles };
  await writeFileAtomic(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
  if (previous) {
    const keep = new Set([weightsFile, bestFile, ...optimizerFiles]);
    for (const f of [previous.weightsFile, previous.bestFile, ...previous.optimizerFiles]) {
      if (f && !keep.has(f)) await rm(join(dir, f), { force: true });
    }
  }
  return state;
}
