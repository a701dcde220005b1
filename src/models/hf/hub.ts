// Finds a Hugging Face checkpoint (local folder or hub id), downloads and caches it when allowed, and
// loads its tokenizer and ONNX model through transformers.js. The only file of the family that touches
// transformers.js' global `env`; it does so under a lock so concurrent loads cannot see each other's
// settings, and it turns the library's generic errors into ones a user can act on.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { PreTrainedModel, PreTrainedTokenizer, ProgressInfo } from "@huggingface/transformers";
import { cacheDir } from "../../data/paths.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
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

function hubEndpoint(): string {
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
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = lock.then(fn, fn);
  lock = run.catch(() => undefined);
  return run;
}

function describeCause(err: unknown): string {
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

/** Every file of a checkpoint folder, relative to it, for copying a checkpoint on save. */
export function checkpointFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && !entry.name.endsWith(".tmp")) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export interface FetchOptions {
  offline?: boolean;
  revision?: string;
  onDownload?: (e: DownloadEvent) => void;
}

/**
 * Make the named files of a checkpoint available on disk and return its folder: a local folder is
 * checked in place; a hub repo is downloaded file by file into the same cache transformers.js uses
 * (so the tokenizer loads from there too). For files transformers.js has no loader for, such as
 * model.safetensors for the libtorch DistilBERT.
 * @throws UserError naming the first required file that is missing, or why it could not be downloaded.
 */
export async function fetchCheckpointFiles(
  spec: string,
  files: readonly { name: string; required: boolean }[],
  o: FetchOptions = {},
): Promise<CheckpointSource> {
  const revision = o.revision ?? "main";
  const source = resolveSource(spec, revision);
  const offline = isOffline({ offline: o.offline });
  for (const { name, required } of files) {
    const path = join(source.dir, name);
    if (existsSync(path)) continue;
    if (source.kind === "local") {
      if (required) throw new ModelFileError(`${source.dir} is missing ${name}`);
      continue;
    }
    if (offline) {
      if (!required) continue;
      throw new UserError(
        `${name} of hf checkpoint "${source.ref}" is not in the cache (${source.dir}) and offline mode is on; go online once or pass a local folder`,
      );
    }
    const url = `${hubEndpoint()}${source.ref}/resolve/${encodeURIComponent(revision)}/${name}`;
    let res: Response;
    try {
      const token = process.env.HF_TOKEN ?? process.env.HF_ACCESS_TOKEN;
      res = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
    } catch (err) {
      throw new UserError(
        `cannot download ${name} of "${source.ref}" from ${hubEndpoint()} (${describeCause(err)}); connect to the network, set HF_ENDPOINT to a reachable mirror, or pass a local folder`,
      );
    }
    if (res.status === 404 && !required) continue;
    if (!res.ok) {
      throw new UserError(
        `cannot download ${name} of "${source.ref}": HTTP ${res.status} from ${url}${res.status === 401 || res.status === 403 ? " (private or gated: set HF_TOKEN)" : ""}`,
      );
    }
    const body = new Uint8Array(await res.arrayBuffer());
    o.onDownload?.({ file: name, loaded: body.length, total: body.length });
    await writeFileAtomic(path, body);
  }
  return source;
}

/** The tokenizer of a checkpoint folder already on disk (tokenizer.json + tokenizer_config.json). */
export async function loadTokenizerFrom(dir: string): Promise<PreTrainedTokenizer> {
  const { env, AutoTokenizer } = await import("@huggingface/transformers");
  return serialised(async () => {
    const saved = env.allowLocalModels;
    env.allowLocalModels = true;
    try {
      return await AutoTokenizer.from_pretrained(resolve(dir), { local_files_only: true });
    } catch (err) {
      throw new ModelFileError(`cannot load the tokenizer in ${dir}: ${describeCause(err)}`);
    } finally {
      env.allowLocalModels = saved;
    }
  });
}
