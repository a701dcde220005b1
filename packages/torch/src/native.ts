// Loads the compiled libtorch addon on first use and types its surface. This file is the only
// place that touches the .node binary; everything else goes through tensor.ts / optim.ts.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Opaque owner of one libtorch tensor. */
export interface TensorHandle {
  dispose(): void;
  readonly disposed: boolean;
}

export interface OptimizerHandle {
  step(): void;
  zeroGrad(): void;
  setLr(lr: number): void;
  save(path: string): void;
  load(path: string): void;
  dispose(): void;
}

type H = TensorHandle;
type Operand = H | number;
type Reduction = "mean" | "sum" | "none";
export type NativeArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NativeTorch {
  OptimizerHandle: new (kind: string, params: H[], options: Record<string, number>) => OptimizerHandle;
  fromArray(data: NativeArray, shape: number[], dtype?: string): H;
  toArray(t: H): NativeArray;
  zeros(shape: number[], dtype?: string, device?: string): H;
  ones(shape: number[], dtype?: string, device?: string): H;
  full(shape: number[], value: number, dtype?: string, device?: string): H;
  randn(shape: number[], dtype?: string, device?: string): H;
  rand(shape: number[], dtype?: string, device?: string): H;
  arange(n: number, dtype?: string, device?: string): H;
  randperm(n: number): H;
  shape(t: H): number[];
  dtype(t: H): string;
  device(t: H): string;
  item(t: H): number;
  numel(t: H): number;
  requiresGrad(t: H): boolean;
  neg(t: H): H;
  exp(t: H): H;
  log(t: H): H;
  sigmoid(t: H): H;
  tanh(t: H): H;
  relu(t: H): H;
  gelu(t: H): H;
  sqrt(t: H): H;
  abs(t: H): H;
  contiguous(t: H): H;
  detach(t: H): H;
  clone(t: H): H;
  logicalNot(t: H): H;
  isfinite(t: H): H;
  add(a: H, b: Operand): H;
  sub(a: H, b: Operand): H;
  mul(a: H, b: Operand): H;
  div(a: H, b: Operand): H;
  pow(a: H, b: Operand): H;
  eq(a: H, b: Operand): H;
  ne(a: H, b: Operand): H;
  gt(a: H, b: Operand): H;
  lt(a: H, b: Operand): H;
  ge(a: H, b: Operand): H;
  le(a: H, b: Operand): H;
  maximum(a: H, b: H): H;
  minimum(a: H, b: H): H;
  logicalAnd(a: H, b: H): H;
  matmul(a: H, b: H): H;
  clamp(t: H, lo?: number, hi?: number): H;
  where(cond: H, a: H, b: H): H;
  maskedFill(t: H, mask: H, value: number): H;
  to(t: H, dtype: string): H;
  toDevice(t: H, device: string): H;
  sum(t: H, dims?: number[], keepdim?: boolean): H;
  mean(t: H, dims?: number[], keepdim?: boolean): H;
  amax(t: H, dims: number[], keepdim: boolean): H;
  argmax(t: H, dim: number, keepdim: boolean): H;
  logsumexp(t: H, dims: number[], keepdim: boolean): H;
  all(t: H): H;
  reshape(t: H, shape: number[]): H;
  permute(t: H, dims: number[]): H;
  transpose(t: H, d0: number, d1: number): H;
  unsqueeze(t: H, d: number): H;
  squeeze(t: H, d: number): H;
  expand(t: H, shape: number[]): H;
  narrow(t: H, dim: number, start: number, length: number): H;
  select(t: H, dim: number, index: number): H;
  cat(ts: H[], dim: number): H;
  stack(ts: H[], dim: number): H;
  indexSelect(t: H, dim: number, index: H): H;
  gather(t: H, dim: number, index: H): H;
  embedding(weight: H, indices: H, paddingIdx?: number): H;
  linear(x: H, w: H, b?: H): H;
  conv1d(x: H, w: H, b: H | undefined, padding: number): H;
  dropout(x: H, p: number, train: boolean): H;
  layerNorm(x: H, shape: number[], w: H | undefined, b: H | undefined, eps: number): H;
  softmax(x: H, dim: number): H;
  logSoftmax(x: H, dim: number): H;
  bceWithLogits(
    logits: H,
    target: H,
    weight: H | undefined,
    posWeight: H | undefined,
    reduction: Reduction,
  ): H;
  crossEntropy(logits: H, target: H, ignoreIndex: number, reduction: Reduction, labelSmoothing: number): H;
  lstm(
    input: H,
    h0: H,
    c0: H,
    params: H[],
    hasBiases: boolean,
    numLayers: number,
    dropout: number,
    train: boolean,
    bidirectional: boolean,
    batchFirst: boolean,
  ): [H, H, H];
  lstmPacked(
    data: H,
    batchSizes: H,
    h0: H,
    c0: H,
    params: H[],
    hasBiases: boolean,
    numLayers: number,
    dropout: number,
    train: boolean,
    bidirectional: boolean,
  ): [H, H, H];
  packPadded(input: H, lengths: H, batchFirst: boolean): [H, H];
  padPacked(data: H, batchSizes: H, batchFirst: boolean, padValue: number, totalLength: number): [H, H];
  setRequiresGrad(t: H, value: boolean): void;
  backward(t: H, grad?: H): void;
  grad(t: H): H | null;
  zeroGrad(ts: H[]): void;
  setGradEnabled(value: boolean): void;
  isGradEnabled(): boolean;
  clipGradNorm(ts: H[], maxNorm: number): number;
  copyInto(dst: H, src: H): void;
  uniformInit(t: H, lo: number, hi: number): void;
  normalInit(t: H, mean: number, std: number): void;
  fillInit(t: H, value: number): void;
  mulInPlace(t: H, by: Operand): void;
  autocastIsEnabled(device: string): boolean;
  autocastSetEnabled(device: string, on: boolean): void;
  autocastGetDtype(device: string): string;
  autocastSetDtype(device: string, dtype: string): void;
  autocastIncrementNesting(): number;
  autocastDecrementNesting(): number;
  autocastClearCache(): void;
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setFlushDenormal(on: boolean): boolean;
  cudaAvailable(): boolean;
  version(): string;
  docvecEpoch(options: DocvecEpochOptions): Promise<void>;
}

/** One epoch of cosine document-vector SGD (docvectors.cc); see src/embeddings/docvectors.ts. */
export interface DocvecEpochOptions {
  ids: Int32Array;
  offsets: Uint32Array;
  docs: Float32Array;
  ngrams: Float32Array;
  table: Int32Array;
  order: Uint32Array;
  dim: number;
  negative: number;
  scale: number;
  lrStart: number;
  lrEnd: number;
  updateNgrams: boolean;
  threads: number;
  seed: number;
}

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ADDON_PATH = join(PACKAGE_DIR, "build", "torch_addon.node");
export const BUILD_SCRIPT = join(PACKAGE_DIR, "scripts", "build.mjs");

/** Thrown when the addon is not built or libtorch cannot be loaded. `code` lets callers map it. */
export class TorchUnavailableError extends Error {
  readonly code = "TORCH_UNAVAILABLE";
  constructor(message: string) {
    super(message);
    this.name = "TorchUnavailableError";
  }
}

export const INSTALL_HINT =
  "install libtorch (Debian/Ubuntu: `sudo bash .ci/install-torch.sh`, i.e. apt-get install libtorch-dev; " +
  "elsewhere unpack an official libtorch and set LIBTORCH=<dir>), then build the binding with `npm run build:torch`";

let cached: NativeTorch | undefined;

/** The addon, loaded once. @throws TorchUnavailableError naming what is missing and how to fix it. */
export function native(): NativeTorch {
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    throw new TorchUnavailableError(
      `the libtorch binding is not built (${ADDON_PATH} missing): ${INSTALL_HINT}`,
    );
  }
  try {
    cached = createRequire(import.meta.url)(ADDON_PATH) as NativeTorch;
  } catch (err) {
    throw new TorchUnavailableError(
      `cannot load the libtorch binding: ${(err as Error).message}. ${INSTALL_HINT}`,
    );
  }
  return cached;
}

/**
 * One epoch of document-vector SGD on the addon's threads; the arrays are updated in place and must
 * not be touched until the promise settles.
 */
export function docvecEpoch(options: DocvecEpochOptions): Promise<void> {
  return native().docvecEpoch(options);
}

/** Load the addon now. @throws TorchUnavailableError saying what is missing and how to install it. */
export function assertTorch(): void {
  native();
}

/** True when the addon is built and loads (libtorch present). Never throws. */
export function torchAvailable(): boolean {
  try {
    native();
    return true;
  } catch {
    return false;
  }
}
