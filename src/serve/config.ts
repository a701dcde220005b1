// Server settings: defaults, overridden by environment variables, overridden by CLI flags. Parsed once at
// start-up into a frozen object that is passed down (no global config), so tests build apps with any
// settings side by side.
import { join, resolve } from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "../models/registry.ts";
import { UserError } from "../util/errors.ts";

const positiveInt = z.coerce.number().int().positive();

export const ServeConfigSchema = z.object({
  /** Loopback by default: exposing the API on a network is a deliberate choice (HOST=0.0.0.0). */
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Model spec for loadModel (path, "default", "hf:..."); the bundled model when unset. */
  model: z.string().optional(),
  /**
   * Model registry to serve from as well (ids "<name>@<alias>"): a tracking URI, "on" (the default store),
   * "off", or unset = on when MLFLOW_TRACKING_URI is set or ./mlruns/mlruns.db exists.
   */
  registry: z.string().min(1).optional(),
  /** Folder whose model files `GET /v1/models` lists and `activate` may switch to. */
  modelsDir: z.string().default(join(PROJECT_ROOT, "models")),
  /** Feedback database and other service state. */
  dataDir: z.string().default(".sentiment"),
  /** When set, every /v1 route requires `x-api-key: <key>` or `Authorization: Bearer <key>`. */
  apiKey: z.string().min(1).optional(),
  /** Comma-separated allowed origins; CORS stays off when unset (same-origin UI needs none). */
  corsOrigins: z.array(z.string()).default([]),
  /** Requests per `rateLimitWindow` per client IP on /v1; 0 turns the limiter off. */
  rateLimit: z.coerce.number().int().min(0).default(0),
  rateLimitWindow: z.string().default("1 minute"),
  /** JSON body limit. 2 MiB holds a full batch of long reviews with room to spare. */
  bodyLimitBytes: positiveInt.default(2 * 1024 * 1024),
  /** Longest accepted review. The longest IMDb review is ~13.7k characters; 50k leaves headroom. */
  maxTextChars: positiveInt.default(50_000),
  /** Largest `texts` array per request; larger jobs go through /v1/predict/file. */
  maxBatch: positiveInt.default(256),
  /** Upload limit for /v1/predict/file. */
  maxFileBytes: positiveInt.default(64 * 1024 * 1024),
  maxFileRows: positiveInt.default(200_000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Serve the web UI at `/`. */
  ui: z.boolean().default(true),
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  shutdownTimeoutMs: positiveInt.default(10_000),
});
export type ServeConfig = Readonly<z.infer<typeof ServeConfigSchema>>;
export type ServeConfigInput = z.input<typeof ServeConfigSchema>;

/** Environment variable -> config key. Documented in README "REST API and web UI". */
export const ENV_KEYS = {
  HOST: "host",
  PORT: "port",
  SENTIMENT_MODEL: "model",
  SENTIMENT_MODELS_DIR: "modelsDir",
  SENTIMENT_REGISTRY: "registry",
  SENTIMENT_HOME: "dataDir",
  SENTIMENT_API_KEY: "apiKey",
  SENTIMENT_CORS_ORIGINS: "corsOrigins",
  SENTIMENT_RATE_LIMIT: "rateLimit",
  SENTIMENT_RATE_LIMIT_WINDOW: "rateLimitWindow",
  SENTIMENT_BODY_LIMIT: "bodyLimitBytes",
  SENTIMENT_MAX_TEXT_CHARS: "maxTextChars",
  SENTIMENT_MAX_BATCH: "maxBatch",
  SENTIMENT_MAX_FILE_BYTES: "maxFileBytes",
  SENTIMENT_MAX_FILE_ROWS: "maxFileRows",
  LOG_LEVEL: "logLevel",
} as const satisfies Record<string, keyof ServeConfigInput>;

/** Settings from the environment (only the variables that are set and non-empty). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServeConfigInput {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    out[key] = key === "corsOrigins" ? splitList(value) : value;
  }
  return out as ServeConfigInput;
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Validate and freeze. @throws UserError naming the setting and the env variable behind it. */
export function resolveServeConfig(...layers: ServeConfigInput[]): ServeConfig {
  const merged = Object.assign({}, ...layers.map(dropUndefined));
  const parsed = ServeConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? "");
    const env = Object.entries(ENV_KEYS).find(([, k]) => k === key)?.[0];
    throw new UserError(
      `invalid server setting "${key}"${env ? ` (env ${env})` : ""}: ${issue.message}. Got ${JSON.stringify(merged[key])}.`,
    );
  }
  return Object.freeze({
    ...parsed.data,
    modelsDir: resolve(parsed.data.modelsDir),
    dataDir: resolve(parsed.data.dataDir),
  });
}

function dropUndefined(o: object): object {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
