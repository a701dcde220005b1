// Hyperparameters of the BiLSTM family and its two named configurations.
import { z } from "zod";
import { UserError } from "../../util/errors.ts";
import { parseFamilyParams, TextSchema, TrainingSchema } from "../neural/params.ts";

export const BilstmNetSchema = z
  .object({
    embeddingDim: z.number().int().min(1).default(128),
    hiddenSize: z.number().int().min(1).default(256),
    numLayers: z.number().int().min(1).default(2),
    bidirectional: z.boolean().default(true),
    /** Dropout on embeddings, between LSTM layers and before the output layer. */
    dropout: z.number().min(0).max(0.95).default(0.5),
    /**
     * "last": the final hidden state of each direction (the reference). "meanmax": mean and max over
     * all time steps, which on long reviews trains faster and generalises better than the last state.
     */
    pooling: z.enum(["last", "meanmax"]).default("last"),
    /**
     * Packed sequences: padding never enters the recurrence (exact final states, needed by "last"
     * pooling). On CPU, libtorch's packed LSTM backward is ~6x slower than the padded one at batch
     * 64 x 220 tokens (measured: 31 s vs 5 s per step, one contended core), so the fast variant runs
     * padded over length-bucketed batches, where little padding is left, and pools with a mask.
     */
    packed: z.boolean().default(true),
    /**
     * Std of the random embedding start: 1 is PyTorch's N(0, 1) (the reference); smaller starts let
     * Adam's ~1e-3 steps move the embeddings much sooner (the word CNN: 84.3% -> 88.1% validation).
     */
    embeddingInitStd: z.number().positive().default(1),
  })
  .strict();

export const BilstmParamsSchema = z
  .object({
    /** Named starting point (BILSTM_VARIANTS); the other fields override it. */
    variant: z.enum(["reference", "fast"]).default("reference"),
    net: BilstmNetSchema.default(BilstmNetSchema.parse({})),
    text: TextSchema.default(TextSchema.parse({})),
    training: TrainingSchema.default(TrainingSchema.parse({})),
    seed: z.number().int().default(0),
  })
  .strict();

export type BilstmParams = z.infer<typeof BilstmParamsSchema>;

/**
 * The reference specification (issue 4): vocabulary 10,000 words with count >= 5 plus <PAD>/<UNK>,
 * embedding 128, 2-layer bidirectional LSTM hidden 256, dropout 0.5, linear to one logit,
 * BCE-with-logits, Adam 1e-3, batch 64, max length 256, clip 1.0, best checkpoint by validation.
 * 3,648,257 parameters.
 */
export const BILSTM_REFERENCE: Record<string, unknown> = {
  net: {
    embeddingDim: 128,
    hiddenSize: 256,
    numLayers: 2,
    bidirectional: true,
    dropout: 0.5,
    pooling: "last",
  },
  text: { maxVocab: 10_000, minCount: 5, maxLength: 256 },
  training: { optimizer: "adam", lr: 1e-3, batchSize: 64, clip: 1, epochs: 10, patience: 3, bucket: false },
};

/**
 * CPU-friendly variant, sized so a run fits the 2-core machine: one BiLSTM layer of 64 (the
 * reference's 2x256 costs ~40x more per token), length bucketing (little compute on padding),
 * mean+max pooling over the real time steps, the first 512 tokens, 6 epochs. Chosen on validation:
 * 256 tokens x 4 epochs reached 84.95%, 512 x 6 reached 87.58% (BENCHMARKS.md).
 */
export const BILSTM_FAST: Record<string, unknown> = {
  net: {
    embeddingDim: 64,
    hiddenSize: 64,
    numLayers: 1,
    bidirectional: true,
    dropout: 0.5,
    pooling: "meanmax",
    packed: false,
  },
  text: { maxVocab: 20_000, minCount: 3, maxLength: 512 },
  training: {
    optimizer: "adam",
    lr: 3e-3,
    batchSize: 64,
    clip: 1,
    epochs: 6,
    patience: 2,
    bucket: true,
    decay: "linear",
  },
};

export const BILSTM_VARIANTS: Record<"reference" | "fast", Record<string, unknown>> = {
  reference: BILSTM_REFERENCE,
  fast: BILSTM_FAST,
};

/** Variant defaults deep-merged with `hyperparameters`, then validated. */
export function parseBilstmParams(hyperparameters: Record<string, unknown>): BilstmParams {
  const variant = (hyperparameters.variant ?? "reference") as string;
  const base = BILSTM_VARIANTS[variant as "reference" | "fast"];
  if (!base) throw new UserError(`unknown bilstm variant "${variant}" (reference, fast)`);
  return parseFamilyParams("bilstm", BilstmParamsSchema, { ...base, variant }, hyperparameters);
}
