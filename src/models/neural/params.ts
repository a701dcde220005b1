// Hyperparameters shared by every neural family: text -> ids, and the training loop.
import { z } from "zod";
import { DEFAULT_PREPROCESS, PreprocessConfigSchema } from "../../text/preprocess.ts";
import { PRECISIONS } from "../../train/precision.ts";
import { UserError } from "../../util/errors.ts";
import { deepMerge } from "./merge.ts";

export const TrainingSchema = z
  .object({
    epochs: z.number().int().min(1).default(10),
    batchSize: z.number().int().min(1).default(64),
    optimizer: z.enum(["adam", "adamw", "sgd"]).default("adam"),
    lr: z.number().positive().default(1e-3),
    weightDecay: z.number().min(0).default(0),
    /** Max global gradient norm; 1.0 keeps LSTM gradients from exploding on long reviews. */
    clip: z.number().min(0).default(1),
    warmup: z.number().min(0).max(1).default(0),
    decay: z.enum(["constant", "linear", "cosine"]).default("constant"),
    /** Early stopping: epochs without a better validation loss before stopping (0 = run all epochs). */
    patience: z.number().int().min(0).default(3),
    bucket: z.boolean().default(false),
    /** libtorch intra-op threads; 1 keeps a run on one core of a shared machine, 0 = all cores. */
    threads: z.number().int().min(0).default(0),
    maxSteps: z.number().int().min(0).default(0),
    /**
     * Mixed precision: "bf16" runs the forward pass under bfloat16 autocast (CPU or CUDA), "fp16" under
     * float16 autocast with loss scaling (CUDA only). Weights, gradients and the loss stay float32.
     */
    precision: z.enum(PRECISIONS).default("fp32"),
    checkpointDir: z.string().optional(),
    /**
     * Once early stopping has picked the epoch count on validation, train again from the same start
     * (same vocabulary and pre-trained vectors) on train + validation for that many epochs. Calibration
     * and the logits offered for stacking stay those of the first fit, which saw no validation labels.
     */
    refit: z.boolean().default(false),
  })
  .strict();

export const TextSchema = z
  .object({
    preprocess: PreprocessConfigSchema.default(DEFAULT_PREPROCESS),
    /** Vocabulary: the most frequent training words seen at least `minCount` times. */
    maxVocab: z.number().int().min(1).default(10_000),
    minCount: z.number().int().min(1).default(5),
    /** Tokens kept per review (the first ones). */
    maxLength: z.number().int().min(1).default(256),
  })
  .strict();

export type TrainingParams = z.infer<typeof TrainingSchema>;
export type TextParams = z.infer<typeof TextSchema>;

export interface NeuralParams {
  text: TextParams;
  training: TrainingParams;
  seed: number;
}

/** A neural family's hyperparameters: deep-merged over its defaults, checked by its schema; errors name the family. */
export function parseFamilyParams<S extends z.ZodType>(
  family: string,
  schema: S,
  defaults: Record<string, unknown>,
  hyperparameters: Record<string, unknown>,
): z.output<S> {
  const result = schema.safeParse(deepMerge(defaults, hyperparameters));
  if (!result.success)
    throw new UserError(`invalid ${family} hyperparameters: ${z.prettifyError(result.error)}`);
  return result.data;
}
