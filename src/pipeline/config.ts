// pipeline.yaml: the configuration of `sentiment pipeline run`, validated with zod so that a typo or a
// wrong type is reported with its path ("train.seed: expected number") before any step runs.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { UserError } from "../util/errors.ts";

const fraction = z.number().gt(0).lt(1);

export const PipelineConfigSchema = z
  .object({
    /** Registered model the pipeline registers into and compares with. */
    model: z.string().min(1).default("imdb-sentiment"),
    experiment: z.string().min(1).default("pipeline"),
    /** Where step artifacts are kept (content-addressed); relative to the YAML file. */
    cacheDir: z.string().default(".cache/pipeline"),
    /** Tracking store; default $MLFLOW_TRACKING_URI, else ./mlruns. */
    trackingUri: z.string().optional(),
    ingest: z
      .object({
        /** aclImdb .tar.gz/folder, or a CSV/TSV/JSONL/JSON file of labelled reviews. Default: the IMDb archive. */
        path: z.string().optional(),
        /** Use a seeded sample of this many reviews (whole movies), for quick runs. */
        limit: z.number().int().positive().optional(),
        seed: z.number().int().default(0),
      })
      .strict()
      .default({ seed: 0 }),
    validate: z
      .object({
        minReviews: z.number().int().positive().default(100),
        /** Each class must have at least this share of the labelled reviews. */
        minClassShare: fraction.default(0.2),
        maxTextLength: z.number().int().positive().default(100_000),
        /** More exact duplicates than this share fails validation (a broken export, not a dataset). */
        maxDuplicateShare: fraction.default(0.05),
      })
      .strict()
      .default({ minReviews: 100, minClassShare: 0.2, maxTextLength: 100_000, maxDuplicateShare: 0.05 }),
    preprocess: z
      .object({ dedupe: z.boolean().default(true) })
      .strict()
      .default({ dedupe: true }),
    split: z
      .object({
        /** Share of reviews (whole movies) held out to compare candidate and production. Never the test split. */
        holdoutFraction: z.number().gt(0).lt(0.5).default(0.1),
        seed: z.number().int().default(0),
      })
      .strict()
      .default({ holdoutFraction: 0.1, seed: 0 }),
    train: z
      .object({
        family: z.string().optional(),
        preset: z.string().optional(),
        hyperparameters: z.record(z.string(), z.unknown()).default({}),
        seed: z.number().int().default(0),
        validationFraction: fraction.default(0.2),
      })
      .strict()
      .default({ hyperparameters: {}, seed: 0, validationFraction: 0.2 }),
    evaluate: z
      .object({ robustness: z.boolean().default(false) })
      .strict()
      .default({ robustness: false }),
    compare: z
      .object({
        metric: z.enum(["accuracy", "macroF1", "f1", "rocAuc"]).default("accuracy"),
        /** Promote only when the candidate beats production by at least this much on the holdout. */
        margin: z.number().min(0).default(0.002),
      })
      .strict()
      .default({ metric: "accuracy", margin: 0.002 }),
    register: z
      .object({ enabled: z.boolean().default(true), alias: z.string().default("production") })
      .strict()
      .default({ enabled: true, alias: "production" }),
    notify: z.object({ url: z.string().url().optional() }).strict().default({}),
  })
  .strict();

export type PipelineConfig = z.infer<typeof PipelineConfigSchema>;

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((i) => `  ${i.path.join(".") || "(top level)"}: ${i.message}`);
  return `${source} is not a valid pipeline configuration:\n${lines.join("\n")}`;
}

/** Apply `--set a.b=value` overrides (value parsed as YAML: numbers, booleans, lists). */
export function applyOverrides(raw: Record<string, unknown>, sets: string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq < 1) throw new UserError(`--set expects key=value, got "${s}"`);
    const path = s.slice(0, eq).split(".");
    let node = out as Record<string, unknown>;
    for (const part of path.slice(0, -1)) {
      if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[path.at(-1)!] = parse(s.slice(eq + 1));
  }
  return out;
}

/** Parse and validate; relative paths become absolute (relative to the YAML file's folder). */
export function parsePipelineConfig(
  raw: unknown,
  source = "pipeline config",
  baseDir = process.cwd(),
): PipelineConfig {
  // A section left with only comments ("notify:") parses as null: treat it as "all defaults".
  const cleaned =
    raw && typeof raw === "object" && !Array.isArray(raw)
      ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null))
      : raw;
  const result = PipelineConfigSchema.safeParse(cleaned ?? {});
  if (!result.success) throw new UserError(formatIssues(result.error, source));
  const config = result.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  config.cacheDir = abs(config.cacheDir);
  if (config.ingest.path) config.ingest.path = abs(config.ingest.path);
  if (config.trackingUri && !/^[a-z][a-z0-9+.-]*:/i.test(config.trackingUri))
    config.trackingUri = abs(config.trackingUri);
  return config;
}

export function loadPipelineConfig(path: string, sets: string[] = []): PipelineConfig {
  if (!existsSync(path)) throw new UserError(`pipeline file not found: ${path}`);
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserError(`${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new UserError(`${path} must be a YAML mapping of sections (ingest, train, ...)`);
  }
  return parsePipelineConfig(
    applyOverrides((raw ?? {}) as Record<string, unknown>, sets),
    path,
    dirname(resolve(path)),
  );
}
