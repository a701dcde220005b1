// Word CNN: embedding -> one Conv1d + ReLU per kernel width -> max over each review's real positions
// -> concat -> dropout -> linear to one logit. Convolutions are zero-padded ("same" length for odd
// widths), so reviews shorter than a kernel still score.
import type { Batch } from "../neural/batching.ts";
import type { Architecture, Network } from "../neural/network.ts";
import { pretrainedEmbedding } from "../neural/pretrained.ts";
import type { Tensor, Torch } from "../neural/torch.ts";
import { PAD_ID } from "../neural/vocab.ts";
import type { CnnParams } from "./params.ts";

type Net = CnnParams["net"];

const pooledSize = (net: Net) => net.filters * net.kernels.length;

function convParameters(net: Net): number {
  return net.kernels.reduce((n, k) => n + net.filters * (net.embeddingDim * k + 1), 0);
}

export const cnnArchitecture: Architecture<CnnParams> = {
  describe(p, vocabSize) {
    return {
      architecture: `Embedding(${vocabSize}, ${p.net.embeddingDim}) -> Dropout(${p.net.embeddingDropout}) -> [${p.net.kernels.map((k) => `Conv1d(${p.net.embeddingDim}, ${p.net.filters}, ${k}) -> ReLU -> max over time`).join(", ")}] -> Dropout(${p.net.dropout}) -> Linear(${pooledSize(p.net)}, 1)`,
      vocabSize,
      embeddingDim: p.net.embeddingDim,
      kernels: p.net.kernels,
      filters: p.net.filters,
      dropout: p.net.dropout,
      embeddingDropout: p.net.embeddingDropout,
      vectors: p.vectors ?? null,
      word2vec: p.word2vec ?? null,
      freezeEmbeddings: p.freezeEmbeddings,
      maxLength: p.text.maxLength,
      loss: "BCEWithLogits",
      optimizer: `${p.training.optimizer} lr=${p.training.lr}`,
      batchSize: p.training.batchSize,
    };
  },
  parameterCount(p, vocabSize) {
    return vocabSize * p.net.embeddingDim + convParameters(p.net) + pooledSize(p.net) + 1;
  },
  async build(torch, p, vocab, purpose) {
    const pretrained =
      purpose === "train" && p.vectors
        ? await pretrainedEmbedding(torch, p.vectors, vocab, p.net.embeddingDim, p.seed)
        : undefined;
    const net = buildCnn(torch, p, vocab.length, pretrained);
    pretrained?.dispose();
    if (p.freezeEmbeddings) net.store.get("embedding.weight").setRequiresGrad(false);
    return net;
  },
};

/** Padding positions of a batch as a [B, 1, T] mask (broadcasts over feature channels). */
function padMask(torch: Torch, batch: Batch): Tensor {
  return torch.tensor(batch.ids, [batch.size, 1, batch.time], "int32").eq(PAD_ID);
}

export function buildCnn(torch: Torch, p: CnnParams, vocabSize: number, pretrained?: Tensor): Network {
  const store = new torch.ParameterStore();
  const embedding = new torch.Embedding(
    store,
    "embedding",
    vocabSize,
    p.net.embeddingDim,
    PAD_ID,
    p.net.embeddingInitStd,
  );
  if (pretrained) embedding.weight.copy_(pretrained);
  const convs = p.net.kernels.map(
    (k, i) => new torch.Conv1d(store, `convs.${i}`, p.net.embeddingDim, p.net.filters, k, Math.floor(k / 2)),
  );
  const fc = new torch.Linear(store, "fc", pooledSize(p.net), 1);
  return {
    store,
    forward(batch, train) {
      const ids = torch.tensor(batch.ids, [batch.size, batch.time], "int64");
      const x = torch.dropout(embedding.forward(ids), p.net.embeddingDropout, train).transpose(1, 2); // [B, E, T]
      const pad = padMask(torch, batch);
      const pooled = convs.map((conv) => {
        // Even widths give T+1 outputs; keep the first T so the padding mask lines up.
        const y = conv.forward(x).relu().narrow(2, 0, batch.time); // [B, F, T]
        return y.maskedFill(pad, -1e4).amax([2]); // max over the real positions -> [B, F]
      });
      const h = pooled.length === 1 ? pooled[0] : torch.cat(pooled, 1); // [B, F * kernels]
      return fc.forward(torch.dropout(h, p.net.dropout, train)).reshape([batch.size]);
    },
  };
}
