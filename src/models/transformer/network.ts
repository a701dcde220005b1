// Transformer encoder classifier from scratch: token + learned position embeddings, pre-LN layers
// (x + MHA(LN(x)), x + FFN(LN(x)); Xiong et al. 2020: stable without a long warmup), multi-head
// self-attention with a padding mask on the keys, final LN, masked mean pooling, linear -> 1 logit.
// The MLM head (tied to the token embedding) is used only for optional pre-training.
import type { Batch } from "../neural/batching.ts";
import type { Architecture, Network } from "../neural/network.ts";
import type { Tensor, Torch } from "../neural/torch.ts";
import { PAD_ID } from "../neural/vocab.ts";
import type { TransformerParams } from "./params.ts";

export interface TransformerNetwork extends Network {
  /** Final hidden states [B, T, D] (after the last LayerNorm). */
  encode(batch: Batch, train: boolean): Tensor;
  /** Vocabulary logits [B, T, V] from hidden states, with the tied embedding. */
  mlmLogits(hidden: Tensor): Tensor;
}

function layerParameters(d: number, ff: number): number {
  // 2 LayerNorms (2d each), QKV (3d*d + 3d), output (d*d + d), FFN (d*ff + ff + ff*d + d)
  return 4 * d + 3 * d * d + 3 * d + d * d + d + d * ff + ff + ff * d + d;
}

export const transformerArchitecture: Architecture<TransformerParams> = {
  describe(p, vocabSize) {
    const n = p.net;
    return {
      architecture: `Embedding(${vocabSize}, ${n.dim}) + Position(${p.text.maxLength}, ${n.dim}) -> ${n.layers} x pre-LN encoder layer (${n.heads} heads, FFN ${n.ffDim}, GELU) -> LayerNorm -> masked mean pool -> Linear(${n.dim}, 1)`,
      vocabSize,
      dim: n.dim,
      heads: n.heads,
      layers: n.layers,
      ffDim: n.ffDim,
      dropout: n.dropout,
      maxLength: p.text.maxLength,
      mlmPretrainEpochs: p.pretrain.epochs,
      optimizer: `${p.training.optimizer} lr=${p.training.lr}`,
    };
  },
  parameterCount(p, vocabSize) {
    const d = p.net.dim;
    // + the MLM output bias (vocabSize), kept in the file so a pre-trained model can resume MLM.
    return (
      vocabSize * d +
      p.text.maxLength * d +
      p.net.layers * layerParameters(d, p.net.ffDim) +
      2 * d +
      d +
      1 +
      vocabSize
    );
  },
  build: (torch, p, vocab) => buildTransformer(torch, p, vocab.length),
};

export function buildTransformer(torch: Torch, p: TransformerParams, vocabSize: number): TransformerNetwork {
  const { dim: d, heads: h, layers: L, ffDim, dropout } = p.net;
  const dh = d / h;
  const store = new torch.ParameterStore();
  const tokens = new torch.Embedding(store, "tokens", vocabSize, d, PAD_ID);
  tokens.weight.normal_(0, 0.02);
  tokens.weight.select(0, PAD_ID).fill_(0).dispose();
  const positions = store.add("positions.weight", torch.zeros([p.text.maxLength, d]).normal_(0, 0.02));
  const layers = Array.from({ length: L }, (_, i) => ({
    ln1: new torch.LayerNorm(store, `layers.${i}.ln1`, d),
    qkv: new torch.Linear(store, `layers.${i}.qkv`, d, 3 * d),
    out: new torch.Linear(store, `layers.${i}.out`, d, d),
    ln2: new torch.LayerNorm(store, `layers.${i}.ln2`, d),
    ff1: new torch.Linear(store, `layers.${i}.ff1`, d, ffDim),
    ff2: new torch.Linear(store, `layers.${i}.ff2`, ffDim, d),
  }));
  const lnFinal = new torch.LayerNorm(store, "ln_final", d);
  const head = new torch.Linear(store, "head", d, 1);
  const mlmBias = store.add("mlm.bias", torch.zeros([vocabSize]));

  const attention = (x: Tensor, keyPad: Tensor, layer: (typeof layers)[number], train: boolean): Tensor => {
    const [B, T] = x.shape;
    const qkv = layer.qkv.forward(x).reshape([B, T, 3, h, dh]).permute([2, 0, 3, 1, 4]); // [3, B, h, T, dh]
    const q = qkv.select(0, 0);
    const k = qkv.select(0, 1);
    const v = qkv.select(0, 2);
    const raw = q.matmul(k.transpose(2, 3)).div(Math.sqrt(dh)); // [B, h, T, T]
    // -1e9 overflows float16 (fp16 autocast on CUDA): clamp to the dtype's most negative value.
    const scores = raw.maskedFill(keyPad, Math.max(-1e9, torch.finfo(raw.dtype).min));
    const attn = torch.dropout(scores.softmax(3), dropout, train);
    const ctx = attn.matmul(v).transpose(1, 2).reshape([B, T, d]); // [B, T, D]
    return layer.out.forward(ctx);
  };

  const encode = (batch: Batch, train: boolean): Tensor => {
    const ids = torch.tensor(batch.ids, [batch.size, batch.time], "int64");
    const keyPad = ids.eq(PAD_ID).unsqueeze(1).unsqueeze(1); // [B, 1, 1, T]
    const pos = positions.narrow(0, 0, batch.time).unsqueeze(0); // [1, T, D]
    let x = torch.dropout(tokens.forward(ids).add(pos), dropout, train); // [B, T, D]
    for (const layer of layers) {
      x = x.add(torch.dropout(attention(layer.ln1.forward(x), keyPad, layer, train), dropout, train));
      const ff = layer.ff2.forward(
        torch.dropout(layer.ff1.forward(layer.ln2.forward(x)).gelu(), dropout, train),
      );
      x = x.add(torch.dropout(ff, dropout, train));
    }
    return lnFinal.forward(x);
  };

  return {
    store,
    encode,
    forward(batch, train) {
      const hidden = encode(batch, train); // [B, T, D]
      const mask = torch
        .tensor(batch.ids, [batch.size, batch.time], "int32")
        .ne(PAD_ID)
        .unsqueeze(2)
        .to("float32"); // [B, T, 1]
      const lengths = torch.tensor(Float32Array.from(batch.lengths), [batch.size, 1]);
      const pooled = hidden.mul(mask).sum([1]).div(lengths); // [B, D]
      return head.forward(torch.dropout(pooled, dropout, train)).reshape([batch.size]);
    },
    mlmLogits(hidden) {
      return torch.linear(hidden, tokens.weight, mlmBias); // [B, T, V]
    },
  };
}
