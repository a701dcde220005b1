// BiLSTM classifier: embedding -> (packed) multi-layer bidirectional LSTM -> pooling -> linear -> 1 logit.
// Same modules, parameter names and initialisation as the PyTorch reference model.
import type { Batch } from "../neural/batching.ts";
import type { Architecture, Network } from "../neural/network.ts";
import type { Tensor, Torch } from "../neural/torch.ts";
import { PAD_ID } from "../neural/vocab.ts";
import type { BilstmParams } from "./params.ts";

type Net = BilstmParams["net"];

function lstmParameters(net: Net, inputSize: number): number {
  const dirs = net.bidirectional ? 2 : 1;
  let n = 0;
  for (let layer = 0; layer < net.numLayers; layer++) {
    const input = layer === 0 ? inputSize : net.hiddenSize * dirs;
    n += dirs * (4 * net.hiddenSize * (input + net.hiddenSize) + 8 * net.hiddenSize);
  }
  return n;
}

function pooledSize(net: Net): number {
  const dirs = net.bidirectional ? 2 : 1;
  return net.hiddenSize * dirs * (net.pooling === "meanmax" ? 2 : 1);
}

/** Padded [B, T, F] outputs -> mean and max over each row's real time steps -> [B, 2F]. */
export function meanMaxPool(torch: Torch, output: Tensor, batch: Batch): Tensor {
  const mask = torch.tensor(batch.ids, [batch.size, batch.time], "int32").ne(PAD_ID).unsqueeze(2); // [B, T, 1]
  const lengths = torch.tensor(Float32Array.from(batch.lengths), [batch.size, 1]);
  const mean = output.mul(mask.to("float32")).sum([1]).div(lengths); // [B, F], real steps only
  const max = output.maskedFill(mask.logicalNot(), -1e4).amax([1]); // [B, F]
  return torch.cat([mean, max], 1);
}

export const bilstmArchitecture: Architecture<BilstmParams> = {
  describe(p, vocabSize) {
    return {
      architecture: `Embedding(${vocabSize}, ${p.net.embeddingDim}) -> ${p.net.numLayers}-layer ${p.net.bidirectional ? "bidirectional " : ""}LSTM(${p.net.hiddenSize}) -> ${p.net.pooling} pooling -> Dropout(${p.net.dropout}) -> Linear(${pooledSize(p.net)}, 1)`,
      vocabSize,
      embeddingDim: p.net.embeddingDim,
      hiddenSize: p.net.hiddenSize,
      numLayers: p.net.numLayers,
      bidirectional: p.net.bidirectional,
      dropout: p.net.dropout,
      pooling: p.net.pooling,
      packedSequences: p.net.packed,
      maxLength: p.text.maxLength,
      loss: "BCEWithLogits",
      optimizer: `${p.training.optimizer} lr=${p.training.lr}`,
      batchSize: p.training.batchSize,
      gradientClip: p.training.clip,
    };
  },
  parameterCount(p, vocabSize) {
    return vocabSize * p.net.embeddingDim + lstmParameters(p.net, p.net.embeddingDim) + pooledSize(p.net) + 1;
  },
  build: (torch, p, vocab) => buildBilstm(torch, p, vocab.length),
};

export function buildBilstm(torch: Torch, p: BilstmParams, vocabSize: number, pretrained?: Tensor): Network {
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
  const lstm = new torch.Lstm(store, "lstm", {
    inputSize: p.net.embeddingDim,
    hiddenSize: p.net.hiddenSize,
    numLayers: p.net.numLayers,
    bidirectional: p.net.bidirectional,
    dropout: p.net.numLayers > 1 ? p.net.dropout : 0,
  });
  const fc = new torch.Linear(store, "fc", pooledSize(p.net), 1);
  const layers = p.net.numLayers;
  const dirs = p.net.bidirectional ? 2 : 1;
  return {
    store,
    forward(batch, train) {
      const ids = torch.tensor(batch.ids, [batch.size, batch.time], "int64");
      const x = torch.dropout(embedding.forward(ids), p.net.dropout, train); // [B, T, E]
      const { output, h } = p.net.packed
        ? lstm.forwardPacked(x, batch.lengths, train)
        : lstm.forward(x, train); // [B, T, dirs*H], [layers*dirs, B, H]
      let pooled: Tensor;
      if (p.net.pooling === "last") {
        const last = Array.from({ length: dirs }, (_, d) => h.select(0, (layers - 1) * dirs + d)); // dirs x [B, H]
        pooled = dirs === 1 ? last[0] : torch.cat(last, 1); // [B, dirs*H]
      } else {
        pooled = meanMaxPool(torch, output, batch); // [B, 2*dirs*H]
      }
      return fc.forward(torch.dropout(pooled, p.net.dropout, train)).reshape([batch.size]);
    },
  };
}
