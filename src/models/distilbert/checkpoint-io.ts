// Reading and writing DistilBERT checkpoints in Hugging Face's layout: config.json, model.safetensors,
// tokenizer files, plus (ours) sentiment-distilbert.json with the training record and README.md, the
// model card. A save goes to a temporary folder that is renamed into place.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PreTrainedTokenizer } from "@huggingface/transformers";
import { encodeSafetensors, type SafeTensor } from "../../../packages/torch/src/index.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { ModelFileError } from "../../util/errors.ts";
import type { DownloadEvent } from "../hf/hub.ts";
import { fetchCheckpointFiles, loadTokenizerFrom } from "../hf/hub-files.ts";
import { type DistilBertConfig, parseDistilBertConfig, type RawDistilBertConfig } from "./config.ts";
import { decodeSafetensorsAsF32 } from "./safetensors-any.ts";

export const RECORD_FILE = "sentiment-distilbert.json";
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.txt",
];

export interface CheckpointFiles {
  /** Folder the files were read from (the hub cache for hub ids). */
  dir: string;
  /** What the user named: folder or hub id. */
  ref: string;
  config: DistilBertConfig;
  rawConfig: RawDistilBertConfig;
  weights: Map<string, SafeTensor>;
  tokenizer: PreTrainedTokenizer;
  /** Our training record when the folder was written by this project. */
  record?: Record<string, unknown>;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ModelFileError(`${path} is not valid JSON (${(err as Error).message})`);
  }
}

/** Read a DistilBERT checkpoint from a folder or the hub (downloaded into the cache when allowed). */
export async function readCheckpoint(
  spec: string,
  o: { offline?: boolean; onDownload?: (e: DownloadEvent) => void } = {},
): Promise<CheckpointFiles> {
  const source = await fetchCheckpointFiles(
    spec,
    [
      { name: "config.json", required: true },
      { name: "model.safetensors", required: true },
      { name: "tokenizer.json", required: true },
      { name: "tokenizer_config.json", required: true },
      { name: "special_tokens_map.json", required: false },
      { name: "vocab.txt", required: false },
    ],
    o,
  );
  const dir = source.dir;
  const { config, raw } = parseDistilBertConfig(readJson(join(dir, "config.json")), join(dir, "config.json"));
  let weights: Map<string, SafeTensor>;
  try {
    weights = decodeSafetensorsAsF32(readFileSync(join(dir, "model.safetensors")));
  } catch (err) {
    throw new ModelFileError(`${join(dir, "model.safetensors")}: ${(err as Error).message}`);
  }
  const tokenizer = await loadTokenizerFrom(dir);
  const recordPath = join(dir, RECORD_FILE);
  const record = existsSync(recordPath) ? (readJson(recordPath) as Record<string, unknown>) : undefined;
  return { dir, ref: source.ref, config, rawConfig: raw, weights, tokenizer, record };
}

/** Write a fine-tuned model as an HF folder; `dest` is replaced as a whole. */
export async function writeCheckpoint(
  dest: string,
  o: {
    rawConfig: Record<string, unknown>;
    weights: ReadonlyMap<string, SafeTensor>;
    tokenizerDir: string;
    record: Record<string, unknown>;
    card: string;
  },
): Promise<void> {
  const target = resolve(dest);
  if (existsSync(target) && !existsSync(join(target, "config.json"))) {
    throw new ModelFileError(`${target} exists and is not a checkpoint folder; refusing to replace it`);
  }
  const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(tmp, { recursive: true });
    await writeFileAtomic(join(tmp, "config.json"), `${JSON.stringify(o.rawConfig, null, 2)}\n`);
    await writeFileAtomic(join(tmp, "model.safetensors"), encodeSafetensors(o.weights, { format: "pt" }));
    for (const f of TOKENIZER_FILES) {
      if (existsSync(join(o.tokenizerDir, f))) await copyFile(join(o.tokenizerDir, f), join(tmp, f));
    }
    await writeFileAtomic(join(tmp, RECORD_FILE), `${JSON.stringify(o.record, null, 2)}\n`);
    await writeFileAtomic(join(tmp, "README.md"), o.card);
    const old = `${target}.${randomBytes(6).toString("hex")}.old`;
    if (existsSync(target)) await rename(target, old);
    await rename(tmp, target);
    await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
