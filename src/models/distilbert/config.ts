// DistilBERT's config.json (Hugging Face names, snake_case) read into a typed, validated config, and
// written back unchanged apart from what fine-tuning changes (labels), so HF tools still load it.
import { z } from "zod";
import { ModelFileError } from "../../util/errors.ts";

export const RawDistilBertConfigSchema = z
  .object({
    model_type: z.literal("distilbert"),
    vocab_size: z.number().int().positive(),
    max_position_embeddings: z.number().int().positive(),
    dim: z.number().int().positive(),
    n_layers: z.number().int().positive(),
    n_heads: z.number().int().positive(),
    hidden_dim: z.number().int().positive(),
    activation: z.enum(["gelu", "relu"]).default("gelu"),
    dropout: z.number().min(0).max(1).default(0.1),
    attention_dropout: z.number().min(0).max(1).default(0.1),
    seq_classif_dropout: z.number().min(0).max(1).default(0.2),
    initializer_range: z.number().positive().default(0.02),
    pad_token_id: z.number().int().min(0).default(0),
    sinusoidal_pos_embds: z.boolean().default(false),
    id2label: z.record(z.string(), z.string()).optional(),
    label2id: z.record(z.string(), z.number()).optional(),
  })
  .loose(); // keep every other key (architectures, transformers_version, ...) for the round trip

export type RawDistilBertConfig = z.infer<typeof RawDistilBertConfigSchema>;

export interface DistilBertConfig {
  vocabSize: number;
  maxPositions: number;
  dim: number;
  layers: number;
  heads: number;
  hiddenDim: number;
  activation: "gelu" | "relu";
  dropout: number;
  attentionDropout: number;
  classifierDropout: number;
  initializerRange: number;
  padTokenId: number;
  /** Class names in id order. */
  labels: string[];
}

/** Validate config.json and translate it. @throws ModelFileError naming the file and the bad field. */
export function parseDistilBertConfig(
  raw: unknown,
  where: string,
): { config: DistilBertConfig; raw: RawDistilBertConfig } {
  const r = RawDistilBertConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ModelFileError(
      `${where} is not a DistilBERT config: "${issue.path.join(".")}" ${issue.message}`,
    );
  }
  const c = r.data;
  if (c.dim % c.n_heads !== 0)
    throw new ModelFileError(`${where}: dim ${c.dim} is not divisible by n_heads ${c.n_heads}`);
  const labels = c.id2label
    ? Object.entries(c.id2label)
        .sort((a, b) => Number(a[0]) - Number(b[0]))
        .map(([, v]) => v)
    : ["NEGATIVE", "POSITIVE"];
  return {
    raw: c,
    config: {
      vocabSize: c.vocab_size,
      maxPositions: c.max_position_embeddings,
      dim: c.dim,
      layers: c.n_layers,
      heads: c.n_heads,
      hiddenDim: c.hidden_dim,
      activation: c.activation,
      dropout: c.dropout,
      attentionDropout: c.attention_dropout,
      classifierDropout: c.seq_classif_dropout,
      initializerRange: c.initializer_range,
      padTokenId: c.pad_token_id,
      labels,
    },
  };
}

/** config.json for a saved fine-tune: the source config with our labels and the classification architecture. */
export function toRawConfig(raw: RawDistilBertConfig, labels: string[]): Record<string, unknown> {
  return {
    ...raw,
    architectures: ["DistilBertForSequenceClassification"],
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
}
