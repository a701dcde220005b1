// Options of the `hf` family and the spec syntax that carries them through `loadModel`:
//   hf:<folder | hub id>[?key=value&key=value...]     e.g. hf:Xenova/bert-base-multilingual-uncased-sentiment?dtype=q8
// The registry hands families a single string, so the options ride along as a query string; an unknown
// key or a bad value is a UserError that lists what is accepted.
import { z } from "zod";
import { UserError } from "../../util/errors.ts";

export const LONG_TEXT_STRATEGIES = ["truncate", "head-tail", "chunks"] as const;
export type LongTextStrategy = (typeof LONG_TEXT_STRATEGIES)[number];

const flag = z.union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no"])]).transform((v) => {
  if (typeof v === "boolean") return v;
  return v === "1" || v === "true" || v === "yes";
});

export const HfOptionsSchema = z
  .object({
    /**
     * Which ONNX weights to run. "auto" takes onnx/model.onnx (fp32, bit-for-bit the exported model) and
     * falls back to onnx/model_quantized.onnx (int8) when only that exists; "q8" forces the int8 file,
     * which is ~4x smaller and usually faster on CPU at a small accuracy cost.
     */
    dtype: z.enum(["auto", "fp32", "q8"]).default("auto"),
    /**
     * What to do with reviews longer than the model's window (IMDb reviews average ~300 word pieces,
     * the longest exceed 3,000). "head-tail" keeps the start and the end, which Sun et al. 2019 ("How to
     * Fine-Tune BERT for Text Classification?", table 3) found best on IMDb; "chunks" averages the class
     * probabilities of overlapping windows covering the whole text; "truncate" keeps only the start.
     * Measured on the fixture in BENCHMARKS.md (bench:transformers).
     */
    longText: z.enum(LONG_TEXT_STRATEGIES).default("head-tail"),
    /** Share of the window given to the head under "head-tail" (Sun et al.: 128 of 510 tokens ~ 0.25). */
    headFraction: z.coerce.number().min(0).max(1).default(0.25),
    /** Overlap between consecutive windows under "chunks"; 0.5 means every token is seen twice. */
    chunkOverlap: z.coerce.number().min(0).max(0.9).default(0.5),
    /** Most windows per text under "chunks" (evenly spaced), so one huge text cannot stall a batch. */
    maxChunks: z.coerce.number().int().min(1).max(1024).default(32),
    /** Windows per ONNX call. Windows are sorted by length first, so padding stays small. */
    batchSize: z.coerce.number().int().min(1).max(4096).default(16),
    /** Window length in tokens including special tokens; default min(tokenizer limit, position embeddings). */
    maxLength: z.coerce.number().int().min(4).optional(),
    /** Never touch the network: use the local folder or the download cache only. */
    offline: flag.optional(),
    /** Hub revision (branch, tag or commit) for hub ids. */
    revision: z.string().min(1).default("main"),
    /**
     * Polarity score of each class, in class-id order, when config.json's id2label does not say which class
     * is positive (e.g. "0,1" or "0,0.5,1"). Normally derived from id2label, see labels.ts.
     */
    labelScores: z
      .union([z.array(z.number()), z.string()])
      .transform((v) => (typeof v === "string" ? v.split(",").map((s) => Number(s.trim())) : v))
      .pipe(z.array(z.number().min(0).max(1)).min(2))
      .optional(),
    /** ONNX Runtime intra-op threads; default lets ONNX Runtime use every core. */
    threads: z.coerce.number().int().min(1).max(256).optional(),
  })
  .strict();

export type HfOptions = z.output<typeof HfOptionsSchema>;
export type HfOptionsInput = z.input<typeof HfOptionsSchema>;

/** Validate options, turning zod's report into a message that names the key and the accepted values. */
export function parseHfOptions(input: Record<string, unknown>, where = "hf model options"): HfOptions {
  const result = HfOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const valid = Object.keys(HfOptionsSchema.shape).join(", ");
    throw new UserError(`unknown ${where}: ${issue.keys.join(", ")} (valid: ${valid})`);
  }
  const key = issue.path.join(".");
  throw new UserError(`invalid ${where} "${key}" = ${JSON.stringify(input[key])}: ${issue.message}`);
}

/** Split "source?k=v&k2=v2" into the checkpoint reference and its raw (not yet validated) options. */
export function parseHfSpec(spec: string): { source: string; raw: Record<string, string> } {
  const q = spec.indexOf("?");
  const source = (q < 0 ? spec : spec.slice(0, q)).trim();
  if (!source)
    throw new UserError('empty hf model spec; expected hf:<folder | hub id>, e.g. "hf:./my-checkpoint"');
  const raw: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(spec.slice(q + 1))) raw[k] = v;
  return { source, raw };
}

/** Offline when asked for, or when the standard Hugging Face / project switches say so. */
export function isOffline(options: Pick<HfOptions, "offline">): boolean {
  if (options.offline !== undefined) return options.offline;
  const on = (v: string | undefined) =>
    v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
  return (
    on(process.env.SENTIMENT_OFFLINE) ||
    on(process.env.HF_HUB_OFFLINE) ||
    on(process.env.TRANSFORMERS_OFFLINE)
  );
}
