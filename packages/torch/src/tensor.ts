// Tensor: a TypeScript handle on one libtorch tensor, plus deterministic memory management.
//
// libtorch memory is invisible to V8, so waiting for the GC would let RSS grow without bound during
// training. Every tensor is registered in the innermost `tidy` scope and freed when the scope ends,
// unless it is returned from the scope (then it moves to the parent) or `keep()`-ed (parameters).
// Tensors created outside any scope are owned by the caller, who calls `dispose()`.
import { type NativeArray, native, type TensorHandle } from "./native.ts";

export type DType = "float32" | "float64" | "float16" | "bfloat16" | "int64" | "int32" | "uint8" | "bool";
export type Device = "cpu" | "cuda" | `cuda:${number}`;

const scopes: Set<Tensor>[] = [];

export class Tensor {
  #handle: TensorHandle | undefined;

  /** Wraps a native handle; internal, use the creation functions. */
  constructor(handle: TensorHandle) {
    this.#handle = handle;
    scopes.at(-1)?.add(this);
  }

  /** The native handle. @throws if disposed. */
  get handle(): TensorHandle {
    if (!this.#handle)
      throw new Error("tensor was disposed (used after dispose() or outside its tidy scope)");
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === undefined;
  }

  /** Frees the libtorch memory now. Safe to call twice. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }

  get shape(): number[] {
    return native().shape(this.handle);
  }
  get dtype(): DType {
    return native().dtype(this.handle) as DType;
  }
  get device(): string {
    return native().device(this.handle);
  }
  get numel(): number {
    return native().numel(this.handle);
  }
  get requiresGrad(): boolean {
    return native().requiresGrad(this.handle);
  }
  /** Gradient after `backward()`, or null. The returned tensor shares memory with the gradient. */
  get grad(): Tensor | null {
    const g = native().grad(this.handle);
    return g ? new Tensor(g) : null;
  }

  setRequiresGrad(value = true): this {
    native().setRequiresGrad(this.handle, value);
    return this;
  }
  item(): number {
    return native().item(this.handle);
  }
  /** Copy to a JS typed array (float16/bfloat16 come back as Float32Array, bool as Uint8Array). */
  data(): NativeArray {
    return native().toArray(this.handle);
  }
  toFloat32Array(): Float32Array {
    const d = this.data();
    return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>, Number);
  }
  backward(grad?: Tensor): void {
    native().backward(this.handle, grad?.handle);
  }

  // --- elementwise -------------------------------------------------------------------------
  add(o: Tensor | number): Tensor {
    return wrap(native().add(this.handle, operand(o)));
  }
  sub(o: Tensor | number): Tensor {
    return wrap(native().sub(this.handle, operand(o)));
  }
  mul(o: Tensor | number): Tensor {
    return wrap(native().mul(this.handle, operand(o)));
  }
  div(o: Tensor | number): Tensor {
    return wrap(native().div(this.handle, operand(o)));
  }
  pow(o: Tensor | number): Tensor {
    return wrap(native().pow(this.handle, operand(o)));
  }
  eq(o: Tensor | number): Tensor {
    return wrap(native().eq(this.handle, operand(o)));
  }
  ne(o: Tensor | number): Tensor {
    return wrap(native().ne(this.handle, operand(o)));
  }
  gt(o: Tensor | number): Tensor {
    return wrap(native().gt(this.handle, operand(o)));
  }
  lt(o: Tensor | number): Tensor {
    return wrap(native().lt(this.handle, operand(o)));
  }
  ge(o: Tensor | number): Tensor {
    return wrap(native().ge(this.handle, operand(o)));
  }
  le(o: Tensor | number): Tensor {
    return wrap(native().le(this.handle, operand(o)));
  }
  matmul(o: Tensor): Tensor {
    return wrap(native().matmul(this.handle, o.handle));
  }
  neg(): Tensor {
    return wrap(native().neg(this.handle));
  }
  exp(): Tensor {
    return wrap(native().exp(this.handle));
  }
  log(): Tensor {
    return wrap(native().log(this.handle));
  }
  sigmoid(): Tensor {
    return wrap(native().sigmoid(this.handle));
  }
  tanh(): Tensor {
    return wrap(native().tanh(this.handle));
  }
  relu(): Tensor {
    return wrap(native().relu(this.handle));
  }
  gelu(): Tensor {
    return wrap(native().gelu(this.handle));
  }
  sqrt(): Tensor {
    return wrap(native().sqrt(this.handle));
  }
  abs(): Tensor {
    return wrap(native().abs(this.handle));
  }
  logicalNot(): Tensor {
    return wrap(native().logicalNot(this.handle));
  }
  /** Elementwise: true where the value is neither inf nor NaN (bool tensor). */
  isfinite(): Tensor {
    return wrap(native().isfinite(this.handle));
  }
  /** True (0-d bool tensor) when every element is true / non-zero. */
  all(): Tensor {
    return wrap(native().all(this.handle));
  }
  logicalAnd(o: Tensor): Tensor {
    return wrap(native().logicalAnd(this.handle, o.handle));
  }
  clamp(lo?: number, hi?: number): Tensor {
    return wrap(native().clamp(this.handle, lo, hi));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return wrap(native().maskedFill(this.handle, mask.handle, value));
  }
  contiguous(): Tensor {
    return wrap(native().contiguous(this.handle));
  }
  detach(): Tensor {
    return wrap(native().detach(this.handle));
  }
  clone(): Tensor {
    return wrap(native().clone(this.handle));
  }
  to(dtype: DType): Tensor {
    return wrap(native().to(this.handle, dtype));
  }
  toDevice(device: Device): Tensor {
    return wrap(native().toDevice(this.handle, device));
  }

  // --- reductions (dims omitted = all) -------------------------------------------------------
  sum(dims?: number[], keepdim = false): Tensor {
    return wrap(native().sum(this.handle, dims, keepdim));
  }
  mean(dims?: number[], keepdim = false): Tensor {
    return wrap(native().mean(this.handle, dims, keepdim));
  }
  amax(dims: number[], keepdim = false): Tensor {
    return wrap(native().amax(this.handle, dims, keepdim));
  }
  argmax(dim: number, keepdim = false): Tensor {
    return wrap(native().argmax(this.handle, dim, keepdim));
  }
  logsumexp(dims: number[], keepdim = false): Tensor {
    return wrap(native().logsumexp(this.handle, dims, keepdim));
  }

  // --- shapes and indexing -------------------------------------------------------------------
  reshape(shape: number[]): Tensor {
    return wrap(native().reshape(this.handle, shape));
  }
  permute(dims: number[]): Tensor {
    return wrap(native().permute(this.handle, dims));
  }
  transpose(d0: number, d1: number): Tensor {
    return wrap(native().transpose(this.handle, d0, d1));
  }
  unsqueeze(d: number): Tensor {
    return wrap(native().unsqueeze(this.handle, d));
  }
  squeeze(d: number): Tensor {
    return wrap(native().squeeze(this.handle, d));
  }
  expand(shape: number[]): Tensor {
    return wrap(native().expand(this.handle, shape));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native().narrow(this.handle, dim, start, length));
  }
  select(dim: number, index: number): Tensor {
    return wrap(native().select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native().indexSelect(this.handle, dim, index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native().gather(this.handle, dim, index.handle));
  }
  softmax(dim: number): Tensor {
    return wrap(native().softmax(this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return wrap(native().logSoftmax(this.handle, dim));
  }

  // --- in-place, autograd-invisible (initialisation, loading weights) ---------------------------
  copy_(src: Tensor): this {
    native().copyInto(this.handle, src.handle);
    return this;
  }
  /** In-place multiply (e.g. unscaling a gradient); invisible to autograd. */
  mul_(by: Tensor | number): this {
    native().mulInPlace(this.handle, operand(by));
    return this;
  }
  uniform_(lo: number, hi: number): this {
    native().uniformInit(this.handle, lo, hi);
    return this;
  }
  normal_(mean: number, std: number): this {
    native().normalInit(this.handle, mean, std);
    return this;
  }
  fill_(value: number): this {
    native().fillInit(this.handle, value);
    return this;
  }
}

function operand(o: Tensor | number): TensorHandle | number {
  return typeof o === "number" ? o : o.handle;
}

/** Internal: wrap a fresh native handle (registers it in the current scope). */
export function wrap(h: TensorHandle): Tensor {
  return new Tensor(h);
}

// --- scopes -----------------------------------------------------------------------------------

function collect(value: unknown, into: Set<Tensor>): void {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into);
  }
}

/**
 * Run `fn` in a memory scope: every tensor created inside is disposed when it returns, except the
 * tensors in its return value (a tensor, or arrays/plain objects of them), which move to the parent
 * scope. Synchronous on purpose: an `await` inside would let unrelated work register in this scope.
 * @example const loss = tidy(() => model.forward(x).sub(y).pow(2).mean()); // intermediates freed
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  const parent = scopes.at(-1);
  if (parent) for (const t of survivors) parent.add(t);
  return result;
}

/** Remove a tensor from every scope, so only an explicit `dispose()` frees it (parameters, state). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Run `fn` with autograd off (inference, evaluation); restores the previous mode. */
export function noGrad<T>(fn: () => T): T {
  const n = native();
  const before = n.isGradEnabled();
  n.setGradEnabled(false);
  try {
    return fn();
  } finally {
    n.setGradEnabled(before);
  }
}

// --- dtypes -----------------------------------------------------------------------------------

export interface FloatInfo {
  /** Most negative finite value (what to fill masked attention scores with, like torch.finfo(t).min). */
  min: number;
  max: number;
  /** Smallest x with 1 + x != 1. */
  eps: number;
  /** Smallest positive normal number. */
  tiny: number;
}

const FLOAT_INFO: Record<"float32" | "float64" | "float16" | "bfloat16", FloatInfo> = {
  float64: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE, eps: Number.EPSILON, tiny: 2 ** -1022 },
  float32: { min: -3.4028234663852886e38, max: 3.4028234663852886e38, eps: 2 ** -23, tiny: 2 ** -126 },
  float16: { min: -65504, max: 65504, eps: 2 ** -10, tiny: 2 ** -14 },
  bfloat16: { min: -3.3895313892515355e38, max: 3.3895313892515355e38, eps: 2 ** -7, tiny: 2 ** -126 },
};

/** Limits of a floating-point dtype, like torch.finfo. @throws for integer and bool dtypes. */
export function finfo(dtype: DType): FloatInfo {
  if (!(dtype in FLOAT_INFO)) throw new TypeError(`finfo: ${dtype} is not a floating-point dtype`);
  return FLOAT_INFO[dtype as keyof typeof FLOAT_INFO];
}

// --- creation ---------------------------------------------------------------------------------

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
}

/** Tensor from JS data (copied). Int32Array input with dtype "int64" gives index tensors. */
export function tensor(data: NativeArray | number[], shape?: number[], dtype?: DType): Tensor {
  const arr = Array.isArray(data) ? Float32Array.from(data) : data;
  return wrap(native().fromArray(arr, shape ?? [arr.length], dtype));
}
export function zeros(shape: number[], o: CreateOptions = {}): Tensor {
  return wrap(native().zeros(shape, o.dtype, o.device));
}
export function ones(shape: number[], o: CreateOptions = {}): Tensor {
  return wrap(native().ones(shape, o.dtype, o.device));
}
export function full(shape: number[], value: number, o: CreateOptions = {}): Tensor {
  return wrap(native().full(shape, value, o.dtype, o.device));
}
export function randn(shape: number[], o: CreateOptions = {}): Tensor {
  return wrap(native().randn(shape, o.dtype, o.device));
}
export function rand(shape: number[], o: CreateOptions = {}): Tensor {
  return wrap(native().rand(shape, o.dtype, o.device));
}
export function arange(n: number, o: CreateOptions = {}): Tensor {
  return wrap(native().arange(n, o.dtype ?? "int64", o.device));
}
export function cat(ts: readonly Tensor[], dim = 0): Tensor {
  return wrap(
    native().cat(
      ts.map((t) => t.handle),
      dim,
    ),
  );
}
export function stack(ts: readonly Tensor[], dim = 0): Tensor {
  return wrap(
    native().stack(
      ts.map((t) => t.handle),
      dim,
    ),
  );
}
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  return wrap(native().where(cond.handle, a.handle, b.handle));
}
export function maximum(a: Tensor, b: Tensor): Tensor {
  return wrap(native().maximum(a.handle, b.handle));
}

// --- runtime ----------------------------------------------------------------------------------

/** Seed libtorch's generators (init, dropout, randperm) for reproducible runs. */
export function manualSeed(seed: number): void {
  native().manualSeed(seed);
}
/** Intra-op threads libtorch may use (1 keeps a training run on one core). */
export function setNumThreads(n: number): void {
  native().setNumThreads(n);
}
/** Flush denormal floats to zero (like torch.set_flush_denormal). Returns false if the CPU cannot. */
export function setFlushDenormal(on: boolean): boolean {
  return native().setFlushDenormal(on);
}
export function getNumThreads(): number {
  return native().getNumThreads();
}
export function cudaAvailable(): boolean {
  return native().cudaAvailable();
}
/** "cuda" when requested and available, else "cpu". */
export function resolveDevice(requested: "auto" | Device = "auto"): Device {
  if (requested === "auto") return cudaAvailable() ? "cuda" : "cpu";
  if (requested.startsWith("cuda") && !cudaAvailable()) {
    throw new Error(`device "${requested}" requested but this libtorch build has no CUDA (use "cpu")`);
  }
  return requested;
}
export function libtorchVersion(): string {
  return native().version();
}
