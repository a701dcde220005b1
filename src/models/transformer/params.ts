// Hyperparameters of the Transformer encoder classifier, sized for CPU training.
import { z } from "zod";
import { UserError } from "../../util/errors.ts";
import { parseFamilyParams, TextSchema, TrainingSchema } from "../neural/params.ts";

export const TransformerNetSchema = z
  .object({
    dim: z.number().int().min(8).default(64),
    heads: z.number().int().min(1).default(2),
    layers: z.number().int().min(1).default(2),
    /** Feed-forward width; 2x dim (not the usual 4x) halves the cost with little loss at this size. */
    ffDim: z.number().int().min(1).default(128),
    dropout: z.number().min(0).max(0.9).default(0.1),
  })
  .strict();

export const PretrainSchema = z
  .object({
    /** Masked-language-model epochs over the train, validation and unlabeled texts before fine-tuning (0 = none). */
    epochs: z.number().int().min(0).default(0),
    /** Share of tokens masked (BERT: 15%, of which 80% -> <MASK>, 10% random, 10% kept). */
    maskRate: z.number().min(0.01).max(0.5).default(0.15),
    lr: z.number().positive().default(1e-3),
    batchSize: z.number().int().min(1).default(64),
    /** Stop after this many steps in total (0 = no limit). */
    maxSteps: z.number().int().min(0).default(0),
  })
  .strict();

export const TransformerParamsSchema = z
  .object({
    net: TransformerNetSchema.default(TransformerNetSchema.parse({})),
    pretrain: PretrainSchema.default(PretrainSchema.parse({})),
    text: TextSchema.default(TextSchema.parse({})),
    training: TrainingSchema.default(TrainingSchema.parse({})),
    seed: z.number().int().default(0),
  })
  .strict();

export type TransformerParams = z.infer<typeof TransformerParamsSchema>;

/** AdamW with warmup and linear decay, as usual for Transformers; length bucketing for CPU. */
export const TRANSFORMER_DEFAULTS: Record<string, unknown> = {
  text: { maxVocab: 20_000, minCount: 3, maxLength: 256 },
  training: {
    optimizer: "adamw",
    lr: 1e-3,
    weightDecay: 0.01,
    warmup: 0.1,
    decay: "linear",
    batchSize: 64,
    clip: 1,
    epochs: 5,
    patience: 2,
    bucket: true,
  },
};

export function parseTransformerParams(hyperparameters: Record<string, unknown>): TransformerParams {
  const p = parseFamilyParams("transformer", TransformerParamsSchema, TRANSFORMER_DEFAULTS, hyperparameters);
  if (p.net.dim % p.net.heads !== 0) {
    throw new UserError(`transformer net.dim (${p.net.dim}) must be divisible by net.heads (${p.net.heads})`);
  }
  return p;
}
