// DistilBertForSequenceClassification on libtorch, written out in TypeScript with Hugging Face's
// parameter names, so HF's model.safetensors loads as-is and our saves load in HF tools. Follows
// transformers' modeling_distilbert.py: embeddings (word + learned position) -> LayerNorm -> n
// blocks of post-LN self-attention and GELU FFN -> [CLS] -> pre_classifier -> ReLU -> classifier.
import {
  arange,
  dropout,
  embedding,
  finfo,
  keep,
  layerNorm,
  linear,
  noGrad,
  type SafeTensor,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "../../../packages/torch/src/index.ts";
import { ModelFileError } from "../../util/errors.ts";
import type { DistilBertConfig } from "./config.ts";

/** HF DistilBERT builds its LayerNorms with eps=1e-12 (modeling_distilbert.py). */
const LN_EPS = 1e-12;
const ENCODER = "distilbert.";

interface Block {
  q: [Tensor, Tensor];
  k: [Tensor, Tensor];
  v: [Tensor, Tensor];
  out: [Tensor, Tensor];
  saNorm: [Tensor, Tensor];
  lin1: [Tensor, Tensor];
  lin2: [Tensor, Tensor];
  outNorm: [Tensor, Tensor];
}

export class DistilBertNetwork {
  readonly config: DistilBertConfig;
  /** Every parameter by its HF name, in state_dict order. */
  readonly params = new Map<string, Tensor>();
  readonly #blocks: Block[] = [];

  constructor(config: DistilBertConfig) {
    this.config = config;
    const c = config;
    const std = c.initializerRange;
    // HF _init_weights: normal(0, initializer_range) for linear/embedding weights, zero biases, LN = (1, 0).
    const normal = (shape: number[]) => zeros(shape).normal_(0, std);
    const linearParams = (name: string, out: number, inp: number): [Tensor, Tensor] => [
      this.#add(`${name}.weight`, normal([out, inp])),
      this.#add(`${name}.bias`, zeros([out])),
    ];
    const norm = (name: string): [Tensor, Tensor] => [
      this.#add(`${name}.weight`, zeros([c.dim]).fill_(1)),
      this.#add(`${name}.bias`, zeros([c.dim])),
    ];
    const word = this.#add(`${ENCODER}embeddings.word_embeddings.weight`, normal([c.vocabSize, c.dim]));
    word.select(0, c.padTokenId).fill_(0).dispose();
    this.#add(`${ENCODER}embeddings.position_embeddings.weight`, normal([c.maxPositions, c.dim]));
    norm(`${ENCODER}embeddings.LayerNorm`);
    for (let i = 0; i < c.layers; i++) {
      const p = `${ENCODER}transformer.layer.${i}`;
      this.#blocks.push({
        q: linearParams(`${p}.attention.q_lin`, c.dim, c.dim),
        k: linearParams(`${p}.attention.k_lin`, c.dim, c.dim),
        v: linearParams(`${p}.attention.v_lin`, c.dim, c.dim),
        out: linearParams(`${p}.attention.out_lin`, c.dim, c.dim),
        saNorm: norm(`${p}.sa_layer_norm`),
        lin1: linearParams(`${p}.ffn.lin1`, c.hiddenDim, c.dim),
        lin2: linearParams(`${p}.ffn.lin2`, c.dim, c.hiddenDim),
        outNorm: norm(`${p}.output_layer_norm`),
      });
    }
    linearParams("pre_classifier", c.dim, c.dim);
    linearParams("classifier", c.labels.length, c.dim);
  }

  #add(name: string, t: Tensor): Tensor {
    this.params.set(name, keep(t).setRequiresGrad(true));
    return t;
  }

  get parameterCount(): number {
    let n = 0;
    for (const t of this.params.values()) n += t.numel;
    return n;
  }

  /**
   * Parameters of the head and of the last `k` transformer blocks (the ones phase 2 trains).
   * @example network.trainableNames(0) // ["pre_classifier.weight", ..., "classifier.bias"]
   */
  trainableNames(lastLayers: number, embeddings = false): string[] {
    const first = Math.max(0, this.config.layers - lastLayers);
    return [...this.params.keys()].filter((name) => {
      if (!name.startsWith(ENCODER)) return true;
      const m = /transformer\.layer\.(\d+)\./.exec(name);
      if (m) return Number(m[1]) >= first;
      return embeddings;
    });
  }

  /** Freeze everything except `names` (frozen tensors get no gradient and are left out of the optimizer). */
  setTrainable(names: readonly string[]): Tensor[] {
    const on = new Set(names);
    const out: Tensor[] = [];
    for (const [name, t] of this.params) {
      t.setRequiresGrad(on.has(name));
      if (on.has(name)) out.push(t);
    }
    return out;
  }

  /**
   * Copy weights in by HF name. Encoder names may come with or without the "distilbert." prefix
   * (DistilBertModel vs *ForX checkpoints); a checkpoint without a classification head (e.g.
   * distilbert-base-uncased, an MLM) keeps the freshly initialised head. Unrelated tensors (the MLM's
   * vocab_* layers) are ignored.
   * @returns names of parameters that kept their initial values.
   * @throws ModelFileError when an encoder weight is missing or has the wrong shape.
   */
  loadWeights(weights: ReadonlyMap<string, SafeTensor>, where: string): string[] {
    const kept: string[] = [];
    noGrad(() => {
      for (const [name, t] of this.params) {
        const bare = name.startsWith(ENCODER) ? name.slice(ENCODER.length) : undefined;
        const w = weights.get(name) ?? (bare !== undefined ? weights.get(bare) : undefined);
        if (!w) {
          if (name.startsWith(ENCODER)) throw new ModelFileError(`${where} has no weight "${name}"`);
          kept.push(name);
          continue;
        }
        if (w.shape.join("x") !== t.shape.join("x")) {
          throw new ModelFileError(
            `${where}: "${name}" has shape [${w.shape}], the config implies [${t.shape}]`,
          );
        }
        tidy(() => {
          t.copy_(tensor(w.data, w.shape));
        });
      }
    });
    return kept;
  }

  /** Weights by HF name (classification model layout), for model.safetensors. */
  snapshot(): Map<string, SafeTensor> {
    return new Map(
      [...this.params].map(([k, t]) => [k, { data: t.detach().toFloat32Array(), shape: t.shape }]),
    );
  }

  /**
   * Logits [B, labels] for token ids [B, T] (int64) with attention mask [B, T] (1 = token, 0 = padding).
   * Call inside `tidy`; `train` switches dropout on.
   */
  forward(ids: Tensor, mask: Tensor, train: boolean): Tensor {
    const c = this.config;
    const [b, t] = ids.shape;
    if (t > c.maxPositions)
      throw new RangeError(`sequence of ${t} tokens exceeds max_position_embeddings ${c.maxPositions}`);
    const p = (name: string) => this.params.get(`${ENCODER}${name}`)!;
    const dh = c.dim / c.heads;

    let x = embedding(p("embeddings.word_embeddings.weight"), ids).add(
      embedding(p("embeddings.position_embeddings.weight"), arange(t)),
    ); // [B, T, D]
    x = layerNorm(x, [c.dim], p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), LN_EPS);
    x = dropout(x, c.dropout, train);
    const masked = mask.eq(0).reshape([b, 1, 1, t]); // [B, 1, 1, T], true where padding

    const heads = (y: Tensor) => y.reshape([b, t, c.heads, dh]).transpose(1, 2); // [B, H, T, dh]
    for (const blk of this.#blocks) {
      const q = heads(linear(x, ...blk.q)).div(Math.sqrt(dh));
      const k = heads(linear(x, ...blk.k));
      const v = heads(linear(x, ...blk.v));
      // HF fills masked scores with torch.finfo(scores.dtype).min: float32's, or bfloat16's/float16's
      // under autocast (float32's minimum overflows both).
      const scores = q.matmul(k.transpose(2, 3)); // [B, H, T, T]
      let w = scores.maskedFill(masked, finfo(scores.dtype).min).softmax(-1);
      w = dropout(w, c.attentionDropout, train);
      const ctx = w.matmul(v).transpose(1, 2).contiguous().reshape([b, t, c.dim]); // [B, T, D]
      const sa = layerNorm(linear(ctx, ...blk.out).add(x), [c.dim], ...blk.saNorm, LN_EPS);
      const act = linear(sa, ...blk.lin1);
      let ffn = linear(c.activation === "gelu" ? act.gelu() : act.relu(), ...blk.lin2);
      ffn = dropout(ffn, c.dropout, train);
      x = layerNorm(ffn.add(sa), [c.dim], ...blk.outNorm, LN_EPS);
    }
    const cls = x.select(1, 0); // [B, D]
    const pooled = dropout(
      linear(cls, this.params.get("pre_classifier.weight")!, this.params.get("pre_classifier.bias")!).relu(),
      c.classifierDropout,
      train,
    );
    return linear(pooled, this.params.get("classifier.weight")!, this.params.get("classifier.bias")!);
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** Right-padded int64 ids and mask tensors for a batch of token-id rows. */
export function batchTensors(
  rows: readonly (readonly number[])[],
  padId: number,
): { ids: Tensor; mask: Tensor } {
  const b = rows.length;
  const t = Math.max(1, ...rows.map((r) => r.length));
  const ids = new BigInt64Array(b * t).fill(BigInt(padId));
  const mask = new BigInt64Array(b * t);
  rows.forEach((r, i) => {
    for (let j = 0; j < r.length; j++) {
      ids[i * t + j] = BigInt(r[j]);
      mask[i * t + j] = 1n;
    }
  });
  return { ids: tensor(ids, [b, t], "int64"), mask: tensor(mask, [b, t], "int64") };
}
