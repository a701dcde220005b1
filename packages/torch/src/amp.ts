// Mixed precision: autocast regions and a gradient scaler, with PyTorch's semantics (torch.autocast,
// torch.cuda.amp.GradScaler).
//
// Autocast is libtorch's own dispatcher feature: inside a region, ops on its lower-precision list
// (linear, matmul, conv, ...) cast their inputs to the region's dtype, ops on its fp32 list (losses,
// softmax on CUDA, ...) run in float32, and everything else follows normal type promotion. The
// parameters stay float32, so the gradients do too. On the CPU libtorch 1.13 supports bfloat16 only;
// float16 needs CUDA, and needs a GradScaler because small float16 gradients underflow to zero.
import { native } from "./native.ts";
import { type DType, stack, type Tensor, tidy, wrap } from "./tensor.ts";

export type AutocastDevice = "cpu" | "cuda";
export type AutocastDtype = "bfloat16" | "float16";

export interface AutocastOptions {
  /** Which tensors the region applies to: autocast state is kept per device type. */
  device: AutocastDevice;
  /** Lower-precision dtype; default float16 on CUDA, bfloat16 on the CPU (PyTorch's defaults). */
  dtype?: AutocastDtype;
  /** false disables autocast inside an enclosing region (e.g. to force float32 for one op). */
  enabled?: boolean;
}

export interface AutocastState {
  enabled: boolean;
  dtype: DType;
}

/** Whether autocast is on for `device` on this thread, and its dtype. */
export function autocastState(device: AutocastDevice): AutocastState {
  const n = native();
  return { enabled: n.autocastIsEnabled(device), dtype: n.autocastGetDtype(device) as DType };
}

/**
 * Run `fn` with autocast set as given for `device`, then restore the previous state, also when `fn`
 * throws. Regions nest; when the outermost one ends, the cache of casted weights is cleared (the
 * optimizer is about to change them). Synchronous, like `tidy`: work after an `await` inside `fn`
 * would run outside the region. Run `backward()` outside the region, as in PyTorch.
 * @throws Error for float16 on the CPU (libtorch 1.13's CPU autocast supports bfloat16 only).
 * @example const logits = autocast({ device: "cpu", dtype: "bfloat16" }, () => net.forward(x));
 */
export function autocast<T>(o: AutocastOptions, fn: () => T): T {
  const dtype = o.dtype ?? (o.device === "cuda" ? "float16" : "bfloat16");
  const enabled = o.enabled ?? true;
  if (o.device === "cpu" && dtype !== "bfloat16" && enabled) {
    throw new Error(
      `CPU autocast supports only bfloat16 (libtorch ${native().version()}); ${dtype} autocast needs a CUDA device`,
    );
  }
  const n = native();
  const prevEnabled = n.autocastIsEnabled(o.device);
  const prevDtype = n.autocastGetDtype(o.device);
  n.autocastSetEnabled(o.device, enabled);
  n.autocastSetDtype(o.device, dtype);
  n.autocastIncrementNesting();
  try {
    return fn();
  } finally {
    if (n.autocastDecrementNesting() === 0) n.autocastClearCache();
    n.autocastSetEnabled(o.device, prevEnabled);
    n.autocastSetDtype(o.device, prevDtype);
  }
}

// --- gradient scaling -----------------------------------------------------------------------------

export interface GradScalerOptions {
  /** Starting loss scale (PyTorch: 2^16). */
  initScale?: number;
  /** Scale multiplier after `growthInterval` steps in a row without inf/NaN gradients. */
  growthFactor?: number;
  /** Scale multiplier after a step with inf/NaN gradients (which is skipped). */
  backoffFactor?: number;
  growthInterval?: number;
  /** false makes every method a pass-through (scale(loss) = loss, step = optimizer.step()). */
  enabled?: boolean;
}

/** What a checkpoint must keep to resume scaling where it stopped. */
export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

/** Anything with parameters and a step: an Optimizer, or several behind one facade. */
export interface Steppable {
  readonly params: readonly Tensor[];
  step(): void;
}

/**
 * Dynamic loss scaling for float16 training (torch.cuda.amp.GradScaler): multiply the loss by a
 * large factor so small gradients survive float16's range, divide the gradients back before
 * clipping and stepping, and skip any step whose gradients hold inf/NaN, halving the factor; after
 * `growthInterval` clean steps the factor doubles.
 * @example
 * scaler.scale(loss).backward();
 * scaler.unscale(opt);            // only needed before clipping
 * clipGradNorm(opt.params, 1);
 * scaler.step(opt);               // skipped when a gradient is inf/NaN
 * scaler.update();
 */
export class GradScaler {
  readonly enabled: boolean;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  #scale: number;
  #growthTracker = 0;
  /** Per optimizer in the current iteration: unscaled yet, and whether a gradient was inf/NaN. */
  readonly #pending = new Map<Steppable, { foundInf: boolean; stepped: boolean }>();

  constructor(o: GradScalerOptions = {}) {
    this.enabled = o.enabled ?? true;
    this.#scale = o.initScale ?? 2 ** 16;
    this.growthFactor = o.growthFactor ?? 2;
    this.backoffFactor = o.backoffFactor ?? 0.5;
    this.growthInterval = o.growthInterval ?? 2000;
    if (!(this.#scale > 0) || !Number.isFinite(this.#scale)) throw new RangeError("initScale must be > 0");
    if (!(this.growthFactor > 1)) throw new RangeError("growthFactor must be > 1");
    if (!(this.backoffFactor > 0 && this.backoffFactor < 1))
      throw new RangeError("backoffFactor must be in (0, 1)");
    if (!(Number.isInteger(this.growthInterval) && this.growthInterval >= 1))
      throw new RangeError("growthInterval must be an integer >= 1");
  }

  /** The current loss scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.#scale : 1;
  }

  /** loss * scale (the loss itself when disabled). */
  scale(loss: Tensor): Tensor {
    return this.enabled ? loss.mul(this.#scale) : loss;
  }

  /**
   * Divide `optimizer`'s gradients by the scale in place and record whether any is inf/NaN. At most
   * once per optimizer between updates; `step` calls it when you did not.
   * @returns true when every gradient is finite.
   */
  unscale(optimizer: Steppable): boolean {
    if (!this.enabled) return true;
    if (this.#pending.has(optimizer))
      throw new Error("unscale() was already called for this optimizer since the last update()");
    const inv = 1 / this.#scale;
    const n = native();
    const foundInf = tidy(() => {
      const finite: Tensor[] = [];
      for (const p of optimizer.params) {
        const g = n.grad(p.handle);
        if (!g) continue;
        const grad = wrap(g).mul_(inv);
        finite.push(grad.isfinite().all());
      }
      if (finite.length === 0) return false;
      return stack(finite).all().item() === 0;
    });
    this.#pending.set(optimizer, { foundInf, stepped: false });
    return !foundInf;
  }

  /**
   * Unscale (unless done) and step `optimizer` when its gradients are finite.
   * @returns whether the optimizer stepped.
   */
  step(optimizer: Steppable): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    if (!this.#pending.has(optimizer)) this.unscale(optimizer);
    const entry = this.#pending.get(optimizer)!;
    if (entry.stepped)
      throw new Error("step() was already called for this optimizer since the last update()");
    entry.stepped = true;
    if (entry.foundInf) return false;
    optimizer.step();
    return true;
  }

  /** End of iteration: back the scale off if any step was skipped, else count toward growth. */
  update(): void {
    if (!this.enabled) return;
    if (this.#pending.size === 0) throw new Error("update() without unscale()/step() in this iteration");
    const foundInf = [...this.#pending.values()].some((e) => e.foundInf);
    this.#pending.clear();
    if (foundInf) {
      this.#scale *= this.backoffFactor;
      this.#growthTracker = 0;
      return;
    }
    this.#growthTracker++;
    if (this.#growthTracker >= this.growthInterval) {
      const grown = this.#scale * this.growthFactor;
      if (Number.isFinite(grown)) this.#scale = grown;
      this.#growthTracker = 0;
    }
  }

  /** For checkpoints (JSON-serialisable). */
  state(): GradScalerState {
    return { scale: this.#scale, growthTracker: this.#growthTracker };
  }

  loadState(s: GradScalerState): void {
    if (
      !(s.scale > 0) ||
      !Number.isFinite(s.scale) ||
      !Number.isInteger(s.growthTracker) ||
      s.growthTracker < 0
    )
      throw new RangeError(`invalid GradScaler state ${JSON.stringify(s)}`);
    this.#scale = s.scale;
    this.#growthTracker = s.growthTracker;
    this.#pending.clear();
  }
}
