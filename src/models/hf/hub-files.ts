// Checkpoint files outside transformers.js' loaders: listing a checkpoint folder, downloading single
// files of a hub repo into the shared cache (model.safetensors for the libtorch DistilBERT), and
// loading a tokenizer from a folder already on disk.
import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { PreTrainedTokenizer } from "@huggingface/transformers";
import { writeFileAtomic } from "../../util/atomic.ts";
import { ModelFileError, UserError } from "../../util/errors.ts";
import {
  type CheckpointSource,
  type DownloadEvent,
  describeCause,
  hubEndpoint,
  resolveSource,
  serialised,
} from "./hub.ts";
import { isOffline } from "./options.ts";

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
