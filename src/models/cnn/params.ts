// Hyperparameters of the word CNN (Kim-style: parallel convolutions over word embeddings, max over time).
import { z } from "zod";
import { UserError } from "../../util/errors.ts";
import { parseFamilyParams, TextSchema, TrainingSchema } from "../neural/params.ts";

export const CnnNetSchema = z
  .object({
    embeddingDim: z.number().int().min(1).default(64),
    /** One convolution per kernel width (in tokens), each with `filters` output channels. */
    kernels: z.array(z.number().int().min(1).max(15)).min(1).default([3, 5]),
    filters: z.number().int().min(1).default(100),
    /** Dropout on the pooled features (before the output layer). */
    dropout: z.number().min(0).max(0.95).default(0.5),
    /** Dropout on the word embeddings (breaks up the n-grams the filters look for, so kept low). */
    embeddingDropout: z.number().min(0).max(0.95).default(0),
    /**
     * Std of the random embedding start (no vectors file). PyTorch's N(0, 1) moved too slowly under
     * Adam's ~1e-3 steps: 84.3% validation after 4 epochs.
     */
    embeddingInitStd: z.number().positive().default(0.1),
  })
  .strict();

/** word2vec trained inside `fit` on the model's vocabulary over the train, validation and unlabeled texts. */
export const Word2VecStartSchema = z
  .object({
    method: z.enum(["cbow", "skipgram"]).default("cbow"),
    epochs: z.number().int().min(1).default(5),
    window: z.number().int().min(1).default(5),
    negative: z.number().int().min(1).default(5),
    sample: z.number().min(0).default(1e-4),
    learningRate: z.number().positive().default(0.05),
    /** Hogwild threads (0 = one per core); 1 makes the vectors reproducible for a seed. */
    threads: z.number().int().min(0).default(0),
  })
  .strict();

export const CnnParamsSchema = z
  .object({
    /** GloVe or word2vec text file to start the embedding from; random start when absent. */
    vectors: z.string().optional(),
    /**
     * Or train the starting vectors at fit time (needs the unlabeled reviews to be worth it:
     * `sentiment train --unlabeled`); dimension net.embeddingDim.
     */
    word2vec: Word2VecStartSchema.optional(),
    freezeEmbeddings: z.boolean().default(false),
    net: CnnNetSchema.default(CnnNetSchema.parse({})),
    text: TextSchema.default(TextSchema.parse({})),
    training: TrainingSchema.default(TrainingSchema.parse({})),
    seed: z.number().int().default(0),
  })
  .strict();

export type CnnParams = z.infer<typeof CnnParamsSchema>;

/**
 * Whole reviews (max over time sees every phrase; length bucketing keeps the cost proportional to
 * the real tokens), Adam with linear decay over a few epochs.
 */
export const CNN_DEFAULTS: Record<string, unknown> = {
  text: { maxVocab: 30_000, minCount: 2, maxLength: 1000 },
  training: {
    optimizer: "adam",
    lr: 2e-3,
    batchSize: 64,
    clip: 1,
    epochs: 4,
    patience: 2,
    bucket: true,
    decay: "linear",
  },
};

export function parseCnnParams(hyperparameters: Record<string, unknown>): CnnParams {
  const p = parseFamilyParams("cnn", CnnParamsSchema, CNN_DEFAULTS, hyperparameters);
  if (p.vectors && p.word2vec)
    throw new UserError(
      "cnn hyperparameters: give either vectors (a file) or word2vec (train them), not both",
    );
  return p;
}
