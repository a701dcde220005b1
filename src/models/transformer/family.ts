// The Transformer family: encoder classifier from scratch, with optional MLM pre-training on
// train, validation and unlabeled texts (hyperparameter pretrain.epochs > 0; `sentiment train` must then load
// the unlabeled reviews, which it does for families that ask for them).
import { pretrainMlm } from "../../train/neural/mlm.ts";
import { precisionPlan } from "../../train/precision.ts";
import type { ModelFamily } from "../model.ts";
import type { Architecture } from "../neural/network.ts";
import { type NeuralFamilySpec, neuralFamily } from "../neural/neural-model.ts";
import { type TransformerNetwork, transformerArchitecture } from "./network.ts";
import { parseTransformerParams, type TransformerParams } from "./params.ts";

export const FAMILY = "transformer";

const architecture: Architecture<TransformerParams> = {
  ...transformerArchitecture,
  async pretrain(torch, net, p, corpus, vocabSize, options): Promise<Record<string, number>> {
    if (p.pretrain.epochs === 0) return {};
    // Refuse fp16 on the CPU now rather than after pre-training (MLM itself runs in float32).
    precisionPlan(p.training.precision, net.store.list()[0]?.device ?? "cpu");
    const seqs = corpus();
    const r = await pretrainMlm(
      torch,
      net as TransformerNetwork,
      seqs,
      vocabSize,
      { ...p.pretrain, seed: p.seed, clip: p.training.clip },
      options,
    );
    return {
      mlm_steps: r.steps,
      mlm_final_loss: r.finalLoss,
      mlm_seconds: r.seconds,
      mlm_sequences: seqs.length,
    };
  },
};

export const transformerSpec: NeuralFamilySpec<TransformerParams> = {
  family: FAMILY,
  parse: parseTransformerParams,
  architecture,
};

export const family: ModelFamily = neuralFamily(
  transformerSpec,
  "Transformer encoder classifier from scratch (pre-LN, masked attention; optional MLM pre-training; libtorch)",
);
