// Optimizers (libtorch's Adam, AdamW, SGD), gradient clipping and learning-rate schedules.
import { native, type OptimizerHandle } from "./native.ts";
import type { Tensor } from "./tensor.ts";

export type OptimizerKind = "adam" | "adamw" | "sgd";

export interface OptimizerOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
}

export class Optimizer {
  #handle: OptimizerHandle | undefined;
  #lr: number;

  constructor(
    readonly kind: OptimizerKind,
    readonly params: readonly Tensor[],
    options: OptimizerOptions,
  ) {
    const n = native();
    const opts: Record<string, number> = {};
    for (const [k, v] of Object.entries(options)) if (typeof v === "number") opts[k] = v;
    this.#handle = new n.OptimizerHandle(
      kind,
      params.map((p) => p.handle),
      opts,
    );
    this.#lr = options.lr;
  }

  get #h(): OptimizerHandle {
    if (!this.#handle) throw new Error("optimizer was disposed");
    return this.#handle;
  }
  get lr(): number {
    return this.#lr;
  }
  setLr(lr: number): void {
    this.#h.setLr(lr);
    this.#lr = lr;
  }
  /** Drops gradients (set to undefined, like PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    native().zeroGrad(this.params.map((p) => p.handle));
  }
  step(): void {
    this.#h.step();
  }
  /** Moments and step counts, for resuming (libtorch archive format). */
  saveState(path: string): void {
    this.#h.save(path);
  }
  loadState(path: string): void {
    this.#h.load(path);
  }
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }
}

/** Scale gradients so their global L2 norm is at most `maxNorm`. Returns the norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  return native().clipGradNorm(
    params.map((p) => p.handle),
    maxNorm,
  );
}

export interface ScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  totalSteps: number;
  warmupSteps?: number;
  decay?: "constant" | "linear" | "cosine";
  /** Floor as a fraction of `lr` (cosine/linear). */
  minRatio?: number;
}

/**
 * Learning rate at `step` (0-based): 1) linear warmup to `lr` over `warmupSteps`, 2) constant, linear
 * or cosine decay to `lr * minRatio` at `totalSteps`. A pure function, so resume needs only the step.
 */
export function learningRate(step: number, o: ScheduleOptions): number {
  const warmup = o.warmupSteps ?? 0;
  if (step < warmup) return (o.lr * (step + 1)) / warmup;
  const decay = o.decay ?? "constant";
  if (decay === "constant") return o.lr;
  const min = o.lr * (o.minRatio ?? 0);
  const progress = Math.min(1, (step - warmup) / Math.max(1, o.totalSteps - warmup));
  const factor = decay === "linear" ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return min + (o.lr - min) * factor;
}
