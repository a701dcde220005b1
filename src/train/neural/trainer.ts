// The training loop of the neural families, in nanoGPT's order: config -> batches -> optimizer ->
// loop (lr from a pure schedule, forward, backward, clip, step, log) -> validate each epoch ->
// keep the best weights -> early stop. Resumable from a checkpoint folder after any epoch.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { GradScaler, GradScalerState } from "../../../packages/torch/src/index.ts";
import type { FitOptions } from "../../models/model.ts";
import { type Batch, makeBatches } from "../../models/neural/batching.ts";
import type { Network } from "../../models/neural/network.ts";
import type { Torch } from "../../models/neural/torch.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { UserError } from "../../util/errors.ts";
import { type Precision, type PrecisionPlan, precisionPlan } from "../precision.ts";

export interface TrainerConfig {
  epochs: number;
  batchSize: number;
  optimizer: "adam" | "adamw" | "sgd";
  lr: number;
  weightDecay: number;
  /** Max global gradient norm (0 = off). */
  clip: number;
  /** Fraction of all steps spent warming the LR up linearly. */
  warmup: number;
  decay: "constant" | "linear" | "cosine";
  /** Stop after this many epochs without a better validation loss (0 = never). */
  patience: number;
  /** Bucket batches by length (fast variants); otherwise random batches. */
  bucket: boolean;
  /** Intra-op threads for libtorch (0 = libtorch's default). */
  threads: number;
  seed: number;
  /** Stop after this many optimizer steps in total (benchmarks and smoke tests; 0 = no limit). */
  maxSteps: number;
  /** Folder for resumable checkpoints (weights, optimizer state, loop state); none when undefined. */
  checkpointDir?: string;
  /** Mixed precision for the training forward pass (fp32 when omitted); validation runs in float32. */
  precision?: Precision;
  /**
   * Return the weights of the epoch with the lowest validation loss (default) or of the last epoch
   * (a refit on train + validation, whose "validation" loss is a training loss).
   */
  keep?: "best" | "last";
}

export interface LabelledSequences {
  seqs: Int32Array[];
  labels: Float32Array;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
  steps: number;
  msPerStep: number;
}

export interface TrainResult {
  history: EpochStats[];
  bestEpoch: number;
  /** Validation logits of the best weights, in input order (for calibration). */
  validationLogits: Float64Array;
  stoppedEarly: boolean;
}

interface LoopState {
  epoch: number;
  step: number;
  bestValLoss: number;
  bestEpoch: number;
  badEpochs: number;
  history: EpochStats[];
  /** Loss scale and growth count (fp16 only). */
  scaler?: GradScalerState;
}

/** Logits for many sequences, in input order, with autograd off. */
export function predictLogits(
  torch: Torch,
  net: Network,
  seqs: readonly Int32Array[],
  batchSize: number,
): Float64Array {
  const out = new Float64Array(seqs.length);
  const batches = makeBatches(seqs, undefined, { batchSize, bucket: true, shuffle: false, seed: 0 });
  torch.noGrad(() => {
    for (const b of batches) {
      const logits = torch.tidy(() => net.forward(b, false).toFloat32Array());
      b.index.forEach((k, row) => {
        out[k] = logits[row];
      });
    }
  });
  return out;
}

function evaluate(logits: Float64Array, labels: Float32Array): { loss: number; accuracy: number } {
  let loss = 0;
  let ok = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    const y = labels[i];
    // BCE with logits, numerically stable: max(z,0) - z*y + log(1 + e^-|z|)
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    if ((z > 0 ? 1 : 0) === y) ok++;
  }
  return { loss: loss / logits.length, accuracy: ok / logits.length };
}

function saveCheckpoint(torch: Torch, dir: string, net: Network, file: string): Promise<void> {
  return writeFileAtomic(join(dir, file), torch.encodeSafetensors(net.store.snapshot()));
}

function loadWeights(torch: Torch, net: Network, path: string): void {
  net.store.load(torch.decodeSafetensors(readFileSync(path)).tensors);
}

export async function trainNetwork(
  torch: Torch,
  net: Network,
  train: LabelledSequences,
  validation: LabelledSequences,
  config: TrainerConfig,
  options: FitOptions = {},
): Promise<TrainResult> {
  if (config.threads > 0) torch.setNumThreads(config.threads);
  torch.manualSeed(config.seed);
  const params = net.store.list();
  const plan = precisionPlan(config.precision ?? "fp32", params[0]?.device ?? "cpu");
  const scaler = new torch.GradScaler({ enabled: plan.lossScaling });
  const optimizer = new torch.Optimizer(config.optimizer, params, {
    lr: config.lr,
    weightDecay: config.weightDecay,
  });
  const stepsPerEpoch = Math.ceil(train.seqs.length / config.batchSize);
  const totalSteps =
    config.maxSteps > 0
      ? Math.min(config.maxSteps, stepsPerEpoch * config.epochs)
      : stepsPerEpoch * config.epochs;
  const schedule = {
    lr: config.lr,
    totalSteps,
    warmupSteps: Math.round(config.warmup * totalSteps),
    decay: config.decay,
  };
  let state: LoopState = {
    epoch: 0,
    step: 0,
    bestValLoss: Number.POSITIVE_INFINITY,
    bestEpoch: -1,
    badEpochs: 0,
    history: [],
  };
  let best = net.store.snapshot();
  const dir = config.checkpointDir;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    const statePath = join(dir, "state.json");
    if (existsSync(statePath)) {
      try {
        state = JSON.parse(readFileSync(statePath, "utf8")) as LoopState;
        loadWeights(torch, net, join(dir, "last.safetensors"));
        optimizer.loadState(join(dir, "optimizer.pt"));
        best = torch.decodeSafetensors(readFileSync(join(dir, "best.safetensors"))).tensors;
        if (state.scaler && scaler.enabled) scaler.loadState(state.scaler);
      } catch (err) {
        throw new UserError(
          `cannot resume from ${dir}: ${(err as Error).message} (delete the folder to start over)`,
        );
      }
    }
  }
  let stoppedEarly = false;
  try {
    while (state.epoch < config.epochs && state.step < totalSteps) {
      const epoch = state.epoch;
      // Seeded per epoch, so a resumed run sees the same batches an uninterrupted one would.
      const batches = makeBatches(train.seqs, train.labels, {
        batchSize: config.batchSize,
        bucket: config.bucket,
        shuffle: true,
        seed: config.seed * 1000 + epoch,
      });
      // Reseed libtorch (dropout) per epoch too: a resumed run then matches an uninterrupted one exactly.
      torch.manualSeed(config.seed * 1000 + epoch + 1);
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let steps = 0;
      const phase = `epoch ${epoch + 1}/${config.epochs}`;
      for (const batch of batches) {
        if (state.step >= totalSteps) break;
        if (options.signal?.aborted) throw new UserError("training aborted");
        optimizer.setLr(torch.learningRate(state.step, schedule));
        const { loss, ok } = trainStep(torch, net, optimizer, params, batch, config.clip, plan, scaler);
        lossSum += loss * batch.size;
        correct += ok;
        seen += batch.size;
        steps++;
        state.step++;
        const elapsed = (performance.now() - started) / 1000;
        options.onProgress?.({
          phase,
          done: steps,
          total: batches.length,
          metrics: { loss: lossSum / seen, acc: correct / seen, "it/s": steps / elapsed, lr: optimizer.lr },
        });
        // Yield so Ctrl-C, progress output and N-API finalizers get a turn.
        if (steps % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      const seconds = (performance.now() - started) / 1000;
      const valLogits = predictLogits(torch, net, validation.seqs, config.batchSize * 2);
      const val = evaluate(valLogits, validation.labels);
      const stats: EpochStats = {
        epoch: epoch + 1,
        trainLoss: lossSum / Math.max(1, seen),
        trainAccuracy: correct / Math.max(1, seen),
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        seconds,
        steps,
        msPerStep: (seconds * 1000) / Math.max(1, steps),
      };
      state.history.push(stats);
      options.onProgress?.({
        phase: `validate ${epoch + 1}`,
        done: 1,
        total: 1,
        metrics: { val_loss: val.loss, val_acc: val.accuracy, epoch_s: seconds },
      });
      for (const [k, v] of Object.entries(stats)) if (k !== "epoch") options.onMetric?.(k, v, epoch + 1);
      if (scaler.enabled) options.onMetric?.("loss_scale", scaler.getScale(), epoch + 1);
      if (val.loss < state.bestValLoss) {
        state.bestValLoss = val.loss;
        state.bestEpoch = epoch + 1;
        state.badEpochs = 0;
        best = net.store.snapshot();
        if (dir) await saveCheckpoint(torch, dir, net, "best.safetensors");
      } else {
        state.badEpochs++;
      }
      state.epoch++;
      if (scaler.enabled) state.scaler = scaler.state();
      if (dir) {
        await saveCheckpoint(torch, dir, net, "last.safetensors");
        optimizer.saveState(join(dir, "optimizer.pt"));
        await writeFileAtomic(join(dir, "state.json"), JSON.stringify(state));
      }
      if (config.patience > 0 && state.badEpochs >= config.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  if (config.keep !== "last") net.store.load(best);
  return {
    history: state.history,
    bestEpoch: state.bestEpoch,
    validationLogits: predictLogits(torch, net, validation.seqs, config.batchSize * 2),
    stoppedEarly,
  };
}

/**
 * One optimizer step; returns the batch's mean loss and number of correct predictions. The forward
 * pass runs under the plan's autocast, the loss in float32 outside it; with loss scaling the step is
 * skipped when a gradient is inf/NaN (the scaler then lowers its scale).
 */
export function trainStep(
  torch: Torch,
  net: Network,
  optimizer: InstanceType<Torch["Optimizer"]>,
  params: ReturnType<Network["store"]["list"]>,
  batch: Batch,
  clip: number,
  plan: PrecisionPlan = precisionPlan("fp32", "cpu"),
  scaler: GradScaler = new torch.GradScaler({ enabled: false }),
): { loss: number; ok: number } {
  return torch.tidy(() => {
    optimizer.zeroGrad();
    const forward = () => net.forward(batch, true);
    const logits = (plan.autocast ? torch.autocast(plan.autocast, forward) : forward()).to("float32"); // [B]
    const target = torch.tensor(batch.labels!, [batch.size]);
    const loss = torch.bceWithLogits(logits, target);
    scaler.scale(loss).backward();
    if (clip > 0) {
      scaler.unscale(optimizer);
      torch.clipGradNorm(params, clip);
    }
    scaler.step(optimizer);
    scaler.update();
    const ok = torch.noGrad(() => logits.gt(0).to("float32").eq(target).sum().item());
    return { loss: loss.item(), ok };
  });
}
