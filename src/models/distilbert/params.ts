// Hyperparameters of DistilBERT fine-tuning on libtorch. Defaults follow the two-phase recipe of
// comparable systems (train the classification head on a frozen encoder, then unfreeze the last 3
// transformer blocks at a lower learning rate) with the optimiser settings of HF's Trainer (AdamW,
// weight decay 0.01 except biases/LayerNorm, linear warmup + decay, clip at 1.0).
import { z } from "zod";
import { UserError } from "../../util/errors.ts";

export const DistilBertParamsSchema = z
  .object({
    /** Checkpoint to start from: a folder in HF layout or a hub id (e.g. distilbert-base-uncased). */
    init: z.string().min(1).optional(),
    /** Tokens per window including [CLS]/[SEP]; capped at the checkpoint's max_position_embeddings. */
    maxLength: z.coerce.number().int().min(8).max(512).default(256),
    /**
     * Long reviews: "head-tail" keeps the first quarter and the last three quarters of the window
     * (Sun et al. 2019, best on IMDb); "truncate" keeps the start; "chunks" (inference only, training
     * uses head-tail) averages overlapping windows.
     */
    longText: z.enum(["truncate", "head-tail", "chunks"]).default("head-tail"),
    headFraction: z.coerce.number().min(0).max(1).default(0.25),
    batchSize: z.coerce.number().int().min(1).max(1024).default(32),
    evalBatchSize: z.coerce.number().int().min(1).max(4096).default(64),
    /** Phase 1: only pre_classifier + classifier learn; a high rate is safe on a frozen encoder. */
    phase1Epochs: z.coerce.number().int().min(0).max(100).default(1),
    phase1Lr: z.coerce.number().positive().max(1).default(1e-3),
    /** Phase 2: the head plus the last `unfreezeLayers` blocks, at a rate that does not wreck pretrained weights. */
    phase2Epochs: z.coerce.number().int().min(0).max(100).default(2),
    phase2Lr: z.coerce.number().positive().max(1).default(5e-5),
    unfreezeLayers: z.coerce.number().int().min(0).max(48).default(3),
    /** Also train the embeddings in phase 2 (off in the reference recipe: they are the bulk of the weights). */
    unfreezeEmbeddings: z
      .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
      .default(false),
    /** Share of each phase's steps spent warming the learning rate up from 0. */
    warmupRatio: z.coerce.number().min(0).max(0.5).default(0.1),
    weightDecay: z.coerce.number().min(0).max(1).default(0.01),
    /** Global gradient-norm clip (HF Trainer's max_grad_norm). 0 disables. */
    clipNorm: z.coerce.number().min(0).default(1),
    seed: z.coerce.number().int().default(42),
    /** libtorch intra-op threads (default: libtorch's own choice). */
    threads: z.coerce.number().int().min(1).max(256).optional(),
    /**
     * Mixed precision of the training forward pass: "bf16" = bfloat16 autocast (CPU or CUDA), "fp16" =
     * float16 autocast + loss scaling (CUDA only). Weights, gradients and the loss stay float32.
     */
    precision: z.enum(["fp32", "fp16", "bf16"]).default("fp32"),
    /** Folder for per-epoch training state; an interrupted run with the same folder resumes. */
    checkpointDir: z.string().min(1).optional(),
    /** Use only the first N training reviews (quick runs, tests). */
    maxTrainExamples: z.coerce.number().int().min(1).optional(),
    /** Never download `init` (it must be a folder or already cached). */
    offline: z
      .union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")])
      .optional(),
  })
  .strict();

export type DistilBertParams = z.output<typeof DistilBertParamsSchema>;

export function parseDistilBertParams(input: Record<string, unknown>): DistilBertParams {
  const r = DistilBertParamsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === "unrecognized_keys") {
    throw new UserError(
      `unknown distilbert hyperparameter ${issue.keys.join(", ")} (valid: ${Object.keys(DistilBertParamsSchema.shape).join(", ")})`,
    );
  }
  const key = issue.path.join(".");
  throw new UserError(
    `invalid distilbert hyperparameter "${key}" = ${JSON.stringify(input[key])}: ${issue.message}`,
  );
}
