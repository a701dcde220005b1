// Named neural configurations, usable wherever a model name is accepted (`model info --model
// bilstm-reference`) and as training starting points (`--family <family> --params {"variant": ...}`).
import type { NeuralModel } from "./neural-model.ts";
import type { NeuralParams } from "./params.ts";

type Factory = () => Promise<NeuralModel<NeuralParams>>;

export const NAMED_MODELS: Record<string, { description: string; create: Factory }> = {
  "bilstm-reference": {
    description: "BiLSTM exactly as the reference specification (3,648,257 parameters)",
    create: async () =>
      (await import("../bilstm/family.ts")).family.create({
        variant: "reference",
      }) as NeuralModel<NeuralParams>,
  },
  "bilstm-fast": {
    description: "BiLSTM for CPUs: 1 layer, length bucketing with packed sequences, mean+max pooling",
    create: async () =>
      (await import("../bilstm/family.ts")).family.create({ variant: "fast" }) as NeuralModel<NeuralParams>,
  },
  "lstm-glove": {
    description:
      "BiLSTM on 100-d GloVe vectors trained on IMDb train + unlabeled (sentiment embeddings train)",
    create: async () => (await import("../lstm/family.ts")).family.create({}) as NeuralModel<NeuralParams>,
  },
  transformer: {
    description: "Transformer encoder from scratch: 2 pre-LN layers, 64 wide, 2 heads, masked mean pooling",
    create: async () =>
      (await import("../transformer/family.ts")).family.create({}) as NeuralModel<NeuralParams>,
  },
  "transformer-mlm": {
    description: "The Transformer with one epoch of masked-language-model pre-training on train + unlabeled",
    create: async () =>
      (await import("../transformer/family.ts")).family.create({
        pretrain: { epochs: 1 },
      }) as NeuralModel<NeuralParams>,
  },
};

export function namedModelNames(): string[] {
  return Object.keys(NAMED_MODELS);
}
