// Masked-language-model pre-training for the Transformer (BERT's recipe): pick `maskRate` of the
// real tokens; of those, 80% become the mask symbol, 10% a random word, 10% stay; predict the
// original words with the output layer tied to the token embedding. Only masked positions go
// through the vocabulary projection, so memory is O(masked tokens x vocabulary), not O(B x T x V).
import type { FitOptions } from "../../models/model.ts";
import { type Batch, makeBatches } from "../../models/neural/batching.ts";
import type { Torch } from "../../models/neural/torch.ts";
import { PAD_ID, UNK_ID } from "../../models/neural/vocab.ts";
import type { TransformerNetwork } from "../../models/transformer/network.ts";
import { rng } from "../../util/random.ts";

export interface MlmConfig {
  epochs: number;
  maskRate: number;
  lr: number;
  batchSize: number;
  maxSteps: number;
  seed: number;
  clip: number;
}

/** The mask symbol: <UNK> (id 1) doubles as [MASK]; the classifier sees it only for unknown words. */
export const MASK_ID = UNK_ID;

/** Masked copy of a batch and the flat positions/targets to predict. */
export function maskBatch(
  batch: Batch,
  vocabSize: number,
  rate: number,
  random: () => number,
): { input: Batch; positions: Int32Array; targets: Int32Array } {
  const ids = batch.ids.slice();
  const positions: number[] = [];
  const targets: number[] = [];
  for (let k = 0; k < ids.length; k++) {
    const id = batch.ids[k];
    if (id === PAD_ID || random() >= rate) continue;
    positions.push(k);
    targets.push(id);
    const r = random();
    if (r < 0.8) ids[k] = MASK_ID;
    else if (r < 0.9) ids[k] = 2 + Math.floor(random() * (vocabSize - 2));
  }
  return {
    input: { ...batch, ids },
    positions: Int32Array.from(positions),
    targets: Int32Array.from(targets),
  };
}

export async function pretrainMlm(
  torch: Torch,
  net: TransformerNetwork,
  seqs: readonly Int32Array[],
  vocabSize: number,
  config: MlmConfig,
  options: FitOptions = {},
): Promise<{ steps: number; finalLoss: number; seconds: number }> {
  const params = net.store.list();
  const optimizer = new torch.Optimizer("adamw", params, { lr: config.lr, weightDecay: 0.01 });
  const random = rng(config.seed + 17);
  const perEpoch = Math.ceil(seqs.length / config.batchSize);
  const total =
    config.maxSteps > 0 ? Math.min(config.maxSteps, perEpoch * config.epochs) : perEpoch * config.epochs;
  const schedule = {
    lr: config.lr,
    totalSteps: total,
    warmupSteps: Math.round(0.06 * total),
    decay: "linear" as const,
  };
  const started = performance.now();
  let step = 0;
  let lossAvg = 0;
  try {
    for (let epoch = 0; epoch < config.epochs && step < total; epoch++) {
      const batches = makeBatches(seqs, undefined, {
        batchSize: config.batchSize,
        bucket: true,
        shuffle: true,
        seed: config.seed * 7919 + epoch,
      });
      for (const batch of batches) {
        if (step >= total) break;
        if (options.signal?.aborted) throw new Error("pre-training aborted");
        const { input, positions, targets } = maskBatch(batch, vocabSize, config.maskRate, random);
        if (positions.length === 0) continue;
        optimizer.setLr(torch.learningRate(step, schedule));
        const loss = torch.tidy(() => {
          optimizer.zeroGrad();
          const hidden = net.encode(input, true); // [B, T, D]
          const d = hidden.shape[2];
          const picked = hidden
            .reshape([batch.size * batch.time, d])
            .indexSelect(0, torch.tensor(positions, [positions.length], "int64")); // [M, D]
          const l = torch.crossEntropy(
            net.mlmLogits(picked),
            torch.tensor(targets, [targets.length], "int64"),
          ); // mean over M
          l.backward();
          if (config.clip > 0) torch.clipGradNorm(params, config.clip);
          optimizer.step();
          return l.item();
        });
        lossAvg = step === 0 ? loss : 0.98 * lossAvg + 0.02 * loss;
        step++;
        const elapsed = (performance.now() - started) / 1000;
        options.onProgress?.({
          phase: `mlm pre-training`,
          done: step,
          total,
          metrics: { mlm_loss: lossAvg, "it/s": step / elapsed },
        });
        if (step % 20 === 0) await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: step, finalLoss: lossAvg, seconds: (performance.now() - started) / 1000 };
}
