// One-hot region CNN (Johnson & Zhang 2015): a convolution applied straight to the one-hot words, so
// each region of k words maps to ReLU(Σ_j E_j[w_{t+j}] + b) with a separate [vocab, units] table E_j
// per position j of the region — a full-rank region embedding, where a word-vector CNN factors it
// through a small embedding. Max (and mean) pooling over the review, dropout, one logit.
// On the CPU it costs table lookups and adds, not matrix products.
import type { Architecture, Network } from "../neural/network.ts";
import type { Tensor, Torch } from "../neural/torch.ts";
import { PAD_ID } from "../neural/vocab.ts";
import type { RegionCnnParams } from "./params.ts";

type Net = RegionCnnParams["net"];

const pooledSize = (net: Net) => net.units * net.regions.length * (net.pooling === "max" ? 1 : 2);

export const regionCnnArchitecture: Architecture<RegionCnnParams> = {
  describe(p, vocabSize) {
    return {
      architecture: `[${p.net.regions.map((k) => `Region(${k} x Embedding(${vocabSize}, ${p.net.units})) -> ReLU -> ${p.net.pooling} over time`).join(", ")}] -> Dropout(${p.net.dropout}) -> Linear(${pooledSize(p.net)}, 1)`,
      vocabSize,
      regions: p.net.regions,
      units: p.net.units,
      pooling: p.net.pooling,
      dropout: p.net.dropout,
      maxLength: p.text.maxLength,
      loss: "BCEWithLogits",
      optimizer: `${p.training.optimizer} lr=${p.training.lr}`,
      batchSize: p.training.batchSize,
    };
  },
  parameterCount(p, vocabSize) {
    const regions = p.net.regions.reduce((n, k) => n + k * vocabSize * p.net.units + p.net.units, 0);
    return regions + pooledSize(p.net) + 1;
  },
  build(torch, p, vocab) {
    return buildRegionCnn(torch, p, vocab.length);
  },
};

export function buildRegionCnn(torch: Torch, p: RegionCnnParams, vocabSize: number): Network {
  const { units, regions } = p.net;
  const store = new torch.ParameterStore();
  const tables = regions.map((k, r) =>
    Array.from(
      { length: k },
      (_, j) => new torch.Embedding(store, `regions.${r}.${j}`, vocabSize, units, PAD_ID, p.net.initStd),
    ),
  );
  const biases = regions.map((_, r) => store.add(`regions.${r}.bias`, torch.zeros([units])));
  const fc = new torch.Linear(store, "fc", pooledSize(p.net), 1);
  return {
    store,
    forward(batch, train) {
      const { size: B, time: T } = batch;
      const real = torch.tensor(batch.ids, [B, T, 1], "int32").ne(PAD_ID).to("float32"); // [B, T, 1]
      const lengths = real.sum([1]).clamp(1); // [B, 1] real words per review
      const pooled: Tensor[] = [];
      for (const [r, k] of regions.entries()) {
        // Ids padded by k-1 PADs in front, so output t covers words t-k+1..t (every word in k regions).
        const padded = new Int32Array(B * (T + k - 1));
        for (let b = 0; b < B; b++)
          padded.set(batch.ids.subarray(b * T, (b + 1) * T), b * (T + k - 1) + k - 1);
        const ids = torch.tensor(padded, [B, T + k - 1], "int64");
        let y = biases[r];
        for (let j = 0; j < k; j++) y = tables[r][j].forward(ids.narrow(1, j, T)).add(y); // [B, T, units]
        y = y.relu().mul(real); // ReLU >= 0, so zeroed padding never wins the max
        pooled.push(y.amax([1]));
        if (p.net.pooling === "max+mean") pooled.push(y.sum([1]).div(lengths));
      }
      const h = pooled.length === 1 ? pooled[0] : torch.cat(pooled, 1);
      return fc.forward(torch.dropout(h, p.net.dropout, train)).reshape([B]);
    },
  };
}
