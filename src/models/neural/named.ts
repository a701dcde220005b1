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
};

export function namedModelNames(): string[] {
  return Object.keys(NAMED_MODELS);
}
