// Hyperparameters of the word-vector LSTM: the fast BiLSTM's network fed by pretrained vectors.
import { z } from "zod";
import { BILSTM_FAST, BilstmNetSchema } from "../bilstm/params.ts";
import { deepMerge } from "../neural/merge.ts";
import { parseFamilyParams, TextSchema, TrainingSchema } from "../neural/params.ts";

export const LstmParamsSchema = z
  .object({
    /** GloVe or word2vec text file (e.g. from `sentiment embeddings train`); needed to train, not to load. */
    vectors: z.string().default("models/glove.imdb.100d.txt"),
    /** Keep the pretrained vectors fixed (fewer trainable parameters) or fine-tune them. */
    freezeEmbeddings: z.boolean().default(false),
    net: BilstmNetSchema.default(BilstmNetSchema.parse({})),
    text: TextSchema.default(TextSchema.parse({})),
    training: TrainingSchema.default(TrainingSchema.parse({})),
    seed: z.number().int().default(0),
  })
  .strict();

export type LstmParams = z.infer<typeof LstmParamsSchema>;

/** Defaults: the fast BiLSTM, with embeddingDim taken from the vectors file at build time. */
export const LSTM_DEFAULTS: Record<string, unknown> = deepMerge(
  {
    net: BILSTM_FAST.net as Record<string, unknown>,
    text: BILSTM_FAST.text as Record<string, unknown>,
    training: BILSTM_FAST.training as Record<string, unknown>,
  },
  { net: { embeddingDim: 100 }, training: { lr: 2e-3 } },
);

export function parseLstmParams(hyperparameters: Record<string, unknown>): LstmParams {
  return parseFamilyParams("lstm", LstmParamsSchema, LSTM_DEFAULTS, hyperparameters);
}
