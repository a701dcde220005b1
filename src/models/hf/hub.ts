// Finds a Hugging Face checkpoint (local folder or hub id), downloads and caches it when allowed, and
// loads its tokenizer and ONNX model through transformers.js. transformers.js settings are a global
// `env`, so every change to it happens under `serialised` (also used by hub-files.ts) and is undone
// after the load; the library's generic errors are turned into ones a user can act on.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PreTrainedModel, PreTrainedTokenizer, ProgressInfo } from "@huggingface/transformers";
import { cacheDir } from "../../data/paths.ts";
import { ModelFileError, UserError } from "../../util/errors.ts";
import { type HfOptions, isOffline } from "./options.ts";

const DEFAULT_ENDPOINT = "https://huggingface.co/";
// Same rule as transformers.js' REPO_ID_REGEX plus its extra checks: "name" or "owner/name".
const HUB_ID = /^(?:[\w\-.]+\/)?[\w\-.]{1,96}$/;

export type SourceKind = "local" | "hub";

export interface CheckpointSource {
  kind: SourceKind;
  /** Absolute folder for local checkpoints, the repo id for hub ones. */
  ref: string;
  /** Folder that holds (or will hold, once downloaded) the checkpoint's files. */
  dir: string;
}

export interface LoadedCheckpoint {
  source: CheckpointSource;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  /** config.json as parsed by transformers.js. */
  config: Record<string, unknown>;
  dtype: "fp32" | "q8";
  /** ONNX file the session runs, relative to `source.dir`. */
  onnxFile: string;
}

export interface DownloadEvent {
  file: string;
  loaded: number;
  total: number;
}

/** Where downloaded checkpoints live: $SENTIMENT_CACHE/hf (default ~/.cache/imdb-sentiment/hf). */
export function hubCacheDir(): string {
  return join(cacheDir(), "hf");
}

export function hubEndpoint(): string {
  const e = process.env.HF_ENDPOINT || DEFAULT_ENDPOINT;
  return e.endsWith("/") ? e : `${e}/`;
}

export function isHubId(s: string): boolean {
  return HUB_ID.test(s) && !s.includes("..") && !s.includes("--") && !s.endsWith(".git");
}

/** A folder on disk wins over a hub id of the same spelling; anything else must look like a hub id. */
export function resolveSource(source: string, revision = "main"): CheckpointSource {
  const abs = resolve(source);
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) {
      throw new UserError(
        `hf:${source} is a file; expected a checkpoint folder (config.json, tokenizer.json, onnx/model.onnx)`,
      );
    }
    return { kind: "local", ref: abs, dir: abs };
  }
  if (source.startsWith(".") || source.startsWith("/") || !isHubId(source)) {
    throw new UserError(
      `hf checkpoint not found: "${source}" is neither an existing folder nor a valid hub id (owner/name)`,
    );
  }
  // transformers.js' file cache keeps the main revision at <cache>/<id>/ and others at <cache>/<id>/<revision>/.
  const dir = revision === "main" ? join(hubCacheDir(), source) : join(hubCacheDir(), source, revision);
  return { kind: "hub", ref: source, dir };
}

/** dtype to load: for "auto", fp32 when onnx/model.onnx is known to exist, else the int8 variant if that exists. */
function localDtype(dir: string, wanted: HfOptions["dtype"], shown: string): "fp32" | "q8" {
  const has = (f: string) => existsSync(join(dir, "onnx", f));
  if (wanted === "fp32" || wanted === "q8") {
    const file = wanted === "fp32" ? "model.onnx" : "model_quantized.onnx";
    if (!has(file))
      throw new ModelFileError(`${shown} has no onnx/${file} (dtype=${wanted}); ${onnxFound(dir)}`);
    return wanted;
  }
  if (has("model.onnx")) return "fp32";
  if (has("model_quantized.onnx")) return "q8";
  throw new ModelFileError(
    `${shown} has no ONNX weights (onnx/model.onnx or onnx/model_quantized.onnx); ${onnxFound(dir)}`,
  );
}

function onnxFound(dir: string): string {
  const onnxDir = join(dir, "onnx");
  const files = existsSync(onnxDir) ? readdirSync(onnxDir).filter((f) => f.endsWith(".onnx")) : [];
  const found = files.length ? `found ${files.map((f) => `onnx/${f}`).join(", ")}` : "found no .onnx files";
  return `${found}. Export one with: optimum-cli export onnx --task text-classification --model <checkpoint> <folder>`;
}

let lock: Promise<unknown> = Promise.resolve();
/** Run `fn` after every earlier load has finished (transformers.js settings are process-global). */
export function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = lock.then(fn, fn);
  lock = run.catch(() => undefined);
  return run;
}

export function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}

/** Map a transformers.js / fetch failure to a message that says what happened and what to do. */
function explainLoadError(err: unknown, source: CheckpointSource, dtype: string): Error {
  if (err instanceof UserError) return err;
  const msg = describeCause(err);
  const name = source.kind === "local" ? source.ref : `"${source.ref}"`;
  if (source.kind === "local") {
    return new ModelFileError(`cannot load the checkpoint in ${name}: ${msg}`);
  }
  if (/local_files_only|allowRemoteModels=false|not found locally/.test(msg)) {
    return new UserError(
      `hf checkpoint ${name} is not in the cache (${source.dir}) and offline mode is on ` +
        "(offline=1, SENTIMENT_OFFLINE, HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE); go online once to download it, " +
        "or pass a local folder: hf:/path/to/checkpoint",
    );
  }
  if (/Could not locate file/.test(msg)) {
    return new UserError(
      `hf checkpoint ${name} at ${hubEndpoint()} is missing a file it needs (${msg}); the repo must have config.json, ` +
        `tokenizer.json and ONNX weights (${dtype === "auto" ? "onnx/model.onnx or onnx/model_quantized.onnx" : dtype === "q8" ? "onnx/model_quantized.onnx" : "onnx/model.onnx"}) — if it only has PyTorch ` +
        "weights, export them: optimum-cli export onnx --task text-classification --model <id> <folder>",
    );
  }
  if (/Unauthorized|Forbidden/.test(msg)) {
    return new UserError(
      `hf checkpoint ${name} is private or gated (${msg}); set HF_TOKEN to a token with access`,
    );
  }
  if (/fetch failed|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network|socket/i.test(msg)) {
    return new UserError(
      `cannot download hf checkpoint ${name} from ${hubEndpoint()} (${msg}) and it is not in the cache (${source.dir}); ` +
        "connect to the network, set HF_ENDPOINT to a reachable mirror, or download the checkpoint elsewhere and pass its folder",
    );
  }
  return new UserError(`cannot load hf checkpoint ${name}: ${msg}`);
}

/**
 * Load tokenizer and ONNX model of a checkpoint.
 * @throws UserError / ModelFileError naming the checkpoint and what is missing (offline, 404, no ONNX, ...)
 */
export async function loadCheckpoint(
  spec: string,
  options: HfOptions,
  onDownload?: (e: DownloadEvent) => void,
): Promise<LoadedCheckpoint> {
  const source = resolveSource(spec, options.revision);
  const offline = isOffline(options);
  const transformers = await import("@huggingface/transformers");
  const { env, LogLevel, AutoTokenizer, AutoModelForSequenceClassification } = transformers;

  return serialised(async () => {
    const saved = {
      remoteHost: env.remoteHost,
      localModelPath: env.localModelPath,
      allowLocalModels: env.allowLocalModels,
      allowRemoteModels: env.allowRemoteModels,
      logLevel: env.logLevel,
    };
    env.remoteHost = hubEndpoint();
    // For hub ids transformers.js first looks in localModelPath/<id>/; pointing it at our cache makes that
    // lookup hit the downloaded files instead of logging a warning about a folder inside node_modules.
    // (Only for the main revision: other revisions are cached under <id>/<revision>/, which that lookup ignores.)
    env.localModelPath =
      options.revision === "main" ? hubCacheDir() : join(hubCacheDir(), ".no-local-lookup");
    env.allowLocalModels = true;
    env.allowRemoteModels = !offline;
    env.logLevel = LogLevel.ERROR;
    const progress_callback = (info: ProgressInfo) => {
      // transformers.js reports progress for local files too; only hub downloads are worth a line.
      if (info.status === "progress" && onDownload && source.kind === "hub") {
        onDownload({ file: info.file, loaded: info.loaded, total: info.total });
      }
    };
    const common = {
      cache_dir: hubCacheDir(),
      local_files_only: offline,
      revision: options.revision,
      progress_callback,
    };
    let dtype: "fp32" | "q8" = options.dtype === "q8" ? "q8" : "fp32";
    try {
      if (source.kind === "local") {
        for (const f of ["config.json", "tokenizer.json"]) {
          if (!existsSync(join(source.dir, f))) {
            throw new ModelFileError(`${source.dir} is not a Hugging Face checkpoint: ${f} is missing`);
          }
        }
        dtype = localDtype(source.dir, options.dtype, source.dir);
      } else if (offline && !existsSync(join(source.dir, "config.json"))) {
        // Checked here rather than left to transformers.js, which memoises the failed lookup and gives an
        // unrelated error ("reading 'tokenizer_class'") on the next attempt in the same process.
        throw explainLoadError(new Error("not found locally"), source, options.dtype);
      }
      const tokenizer = await AutoTokenizer.from_pretrained(source.ref, common);
      const loadModel = (d: "fp32" | "q8") =>
        AutoModelForSequenceClassification.from_pretrained(source.ref, {
          ...common,
          dtype: d,
          device: "cpu",
          session_options: options.threads ? { intraOpNumThreads: options.threads } : {},
        });
      let model: PreTrainedModel;
      try {
        model = await loadModel(dtype);
      } catch (err) {
        // A hub repo without fp32 ONNX weights may still have the int8 export ("auto" takes either).
        if (
          source.kind !== "hub" ||
          options.dtype !== "auto" ||
          !/Could not locate file/.test(describeCause(err))
        )
          throw err;
        dtype = "q8";
        model = await loadModel(dtype);
      }
      const config = model.config as unknown as Record<string, unknown>;
      const onnxFile = `onnx/model${dtype === "q8" ? "_quantized" : ""}.onnx`;
      return { source, tokenizer, model, config, dtype, onnxFile };
    } catch (err) {
      throw explainLoadError(err, source, options.dtype);
    } finally {
      Object.assign(env, saved);
    }
  });
}
