// Neural-network building blocks: functional ops and parameter-holding layers with PyTorch's
// default initialisation, so a model written here matches its PyTorch twin in size and start state.
import { native } from "./native.ts";
import { keep, type Tensor, tensor, wrap, zeros } from "./tensor.ts";

// --- functional ---------------------------------------------------------------------------------

export function embedding(weight: Tensor, indices: Tensor, paddingIdx?: number): Tensor {
  return wrap(native().embedding(weight.handle, indices.handle, paddingIdx));
}
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  return wrap(native().linear(x.handle, w.handle, b?.handle));
}
/** 1-D convolution over time: x [B, C_in, T], w [C_out, C_in, K] -> [B, C_out, T + 2*padding - K + 1]. */
export function conv1d(x: Tensor, w: Tensor, b?: Tensor, padding = 0): Tensor {
  return wrap(native().conv1d(x.handle, w.handle, b?.handle, padding));
}
export function dropout(x: Tensor, p: number, train: boolean): Tensor {
  return p > 0 && train ? wrap(native().dropout(x.handle, p, true)) : x;
}
export function layerNorm(x: Tensor, shape: number[], w?: Tensor, b?: Tensor, eps = 1e-5): Tensor {
  return wrap(native().layerNorm(x.handle, shape, w?.handle, b?.handle, eps));
}
export type Reduction = "mean" | "sum" | "none";
export function bceWithLogits(logits: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  return wrap(native().bceWithLogits(logits.handle, target.handle, undefined, undefined, reduction));
}
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  o: { ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {},
): Tensor {
  return wrap(
    native().crossEntropy(
      logits.handle,
      target.handle,
      o.ignoreIndex ?? -100,
      o.reduction ?? "mean",
      o.labelSmoothing ?? 0,
    ),
  );
}

// --- parameters ---------------------------------------------------------------------------------

/**
 * Named trainable tensors of a model, in creation order (the order PyTorch's state_dict would list
 * them). Parameters live outside every tidy scope until `dispose()`.
 */
export class ParameterStore {
  readonly #params = new Map<string, Tensor>();

  add(name: string, t: Tensor): Tensor {
    if (this.#params.has(name)) throw new Error(`parameter "${name}" defined twice`);
    this.#params.set(name, keep(t).setRequiresGrad(true));
    return t;
  }
  get(name: string): Tensor {
    const t = this.#params.get(name);
    if (!t) throw new Error(`no parameter "${name}"`);
    return t;
  }
  entries(): [string, Tensor][] {
    return [...this.#params.entries()];
  }
  list(): Tensor[] {
    return [...this.#params.values()];
  }
  count(): number {
    let n = 0;
    for (const t of this.#params.values()) n += t.numel;
    return n;
  }
  /** Shapes by name, for `model info`. */
  shapes(): Record<string, number[]> {
    return Object.fromEntries(this.entries().map(([k, t]) => [k, t.shape]));
  }
  /** Copy values in (loading a checkpoint). Names and shapes must match exactly. */
  load(values: ReadonlyMap<string, { data: Float32Array; shape: number[] }>): void {
    for (const [name, t] of this.#params) {
      const v = values.get(name);
      if (!v) throw new Error(`weights are missing parameter "${name}"`);
      const want = t.shape;
      if (want.join("x") !== v.shape.join("x")) {
        throw new Error(
          `parameter "${name}" has shape [${v.shape}] in the weights but [${want}] in the model`,
        );
      }
      const src = tensor(v.data, v.shape);
      t.copy_(src);
      src.dispose();
    }
    const extra = [...values.keys()].filter((k) => !this.#params.has(k));
    if (extra.length) throw new Error(`weights contain unknown parameters: ${extra.join(", ")}`);
  }
  /** Values as float32 arrays (saving). */
  snapshot(): Map<string, { data: Float32Array; shape: number[] }> {
    return new Map(this.entries().map(([k, t]) => [k, { data: t.toFloat32Array(), shape: t.shape }]));
  }
  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
    this.#params.clear();
  }
}

// --- layers ---------------------------------------------------------------------------------------

/** y = x W^T + b; PyTorch init: U(-1/sqrt(in), 1/sqrt(in)) for both (kaiming_uniform with a=sqrt(5)). */
export class Linear {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  constructor(store: ParameterStore, name: string, inFeatures: number, outFeatures: number, bias = true) {
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = store.add(`${name}.weight`, zeros([outFeatures, inFeatures]).uniform_(-bound, bound));
    this.bias = bias ? store.add(`${name}.bias`, zeros([outFeatures]).uniform_(-bound, bound)) : undefined;
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** 1-D convolution; PyTorch init: U(-1/sqrt(C_in*K), 1/sqrt(C_in*K)) for weight and bias. */
export class Conv1d {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    store: ParameterStore,
    name: string,
    inChannels: number,
    outChannels: number,
    readonly kernelSize: number,
    readonly padding = 0,
  ) {
    const bound = 1 / Math.sqrt(inChannels * kernelSize);
    this.weight = store.add(
      `${name}.weight`,
      zeros([outChannels, inChannels, kernelSize]).uniform_(-bound, bound),
    );
    this.bias = store.add(`${name}.bias`, zeros([outChannels]).uniform_(-bound, bound));
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.padding);
  }
}

/** Lookup table; PyTorch init N(0, 1) (or N(0, initStd)), with the padding row zeroed. */
export class Embedding {
  readonly weight: Tensor;
  constructor(
    store: ParameterStore,
    name: string,
    count: number,
    dim: number,
    readonly paddingIdx?: number,
    initStd = 1,
  ) {
    this.weight = store.add(`${name}.weight`, zeros([count, dim]).normal_(0, initStd));
    if (paddingIdx !== undefined) this.weight.select(0, paddingIdx).fill_(0).dispose();
  }
  forward(indices: Tensor): Tensor {
    return embedding(this.weight, indices, this.paddingIdx);
  }
}

export class LayerNorm {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    store: ParameterStore,
    name: string,
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    this.weight = store.add(`${name}.weight`, zeros([dim]).fill_(1));
    this.bias = store.add(`${name}.bias`, zeros([dim]));
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, [this.dim], this.weight, this.bias, this.eps);
  }
}

export interface LstmOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** Dropout between stacked layers (not after the last), as in torch.nn.LSTM. */
  dropout: number;
}

/**
 * Multi-layer (bi)LSTM on libtorch's fused kernel. Parameters are named and ordered exactly like
 * torch.nn.LSTM (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse), init U(-1/sqrt(H), 1/sqrt(H)).
 */
export class Lstm {
  readonly params: Tensor[] = [];
  constructor(
    store: ParameterStore,
    name: string,
    readonly o: LstmOptions,
  ) {
    const bound = 1 / Math.sqrt(o.hiddenSize);
    const dirs = o.bidirectional ? 2 : 1;
    for (let layer = 0; layer < o.numLayers; layer++) {
      const input = layer === 0 ? o.inputSize : o.hiddenSize * dirs;
      for (let d = 0; d < dirs; d++) {
        const sfx = `l${layer}${d === 1 ? "_reverse" : ""}`;
        const h4 = 4 * o.hiddenSize;
        for (const [kind, shape] of [
          ["weight_ih", [h4, input]],
          ["weight_hh", [h4, o.hiddenSize]],
          ["bias_ih", [h4]],
          ["bias_hh", [h4]],
        ] as const) {
          this.params.push(store.add(`${name}.${kind}_${sfx}`, zeros([...shape]).uniform_(-bound, bound)));
        }
      }
    }
  }

  #state(batch: number, like: Tensor): Tensor {
    const dirs = this.o.bidirectional ? 2 : 1;
    return zeros([this.o.numLayers * dirs, batch, this.o.hiddenSize], { device: deviceOf(like) });
  }

  /** Padded input [B, T, in] (batch first) -> output [B, T, dirs*H], h/c [layers*dirs, B, H]. */
  forward(x: Tensor, train: boolean): { output: Tensor; h: Tensor; c: Tensor } {
    const b = x.shape[0];
    const h0 = this.#state(b, x);
    const c0 = this.#state(b, x);
    const [output, h, c] = native().lstm(
      x.handle,
      h0.handle,
      c0.handle,
      this.params.map((p) => p.handle),
      true,
      this.o.numLayers,
      this.o.dropout,
      train,
      this.o.bidirectional,
      true,
    );
    return { output: wrap(output), h: wrap(h), c: wrap(c) };
  }

  /**
   * Packed-sequence forward: padding never enters the recurrence, so the backward direction starts at
   * each sequence's real last token. `x` is [B, T, in]; `lengths` must be sorted descending.
   * Returns the padded output [B, T, dirs*H] and the final states h/c [layers*dirs, B, H].
   */
  forwardPacked(
    x: Tensor,
    lengths: readonly number[],
    train: boolean,
  ): { output: Tensor; h: Tensor; c: Tensor } {
    const n = native();
    const b = x.shape[0];
    const lens = tensor(
      BigInt64Array.from(lengths, (v) => BigInt(v)),
      [lengths.length],
    );
    const [data, batchSizes] = n.packPadded(x.handle, lens.handle, true);
    const h0 = this.#state(b, x);
    const c0 = this.#state(b, x);
    const [out, h, c] = n.lstmPacked(
      data,
      batchSizes,
      h0.handle,
      c0.handle,
      this.params.map((p) => p.handle),
      true,
      this.o.numLayers,
      this.o.dropout,
      train,
      this.o.bidirectional,
    );
    const [padded, outLens] = n.padPacked(out, batchSizes, true, 0, x.shape[1]);
    for (const t of [data, batchSizes, out, outLens]) t.dispose();
    lens.dispose();
    return { output: wrap(padded), h: wrap(h), c: wrap(c) };
  }
}

function deviceOf(t: Tensor): "cpu" | "cuda" {
  return t.device.startsWith("cuda") ? "cuda" : "cpu";
}
