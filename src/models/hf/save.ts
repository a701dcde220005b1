// Saving an hf model = copying its checkpoint folder (Hugging Face layout, so HF tools still read it)
// and adding sentiment-hf.json with the options it ran with (long-text strategy, dtype, ...), so
// `loadModel(folder)` later behaves the same. Written to a temporary folder and renamed into place.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomic } from "../../util/atomic.ts";
import { ModelFileError } from "../../util/errors.ts";
import { checkpointFiles } from "./hub-files.ts";

export const SAVED_OPTIONS_FILE = "sentiment-hf.json";

export interface SavedManifest {
  format: "sentiment-hf";
  version: number;
  /** Where the checkpoint originally came from (folder or hub id). */
  source: string;
  options: Readonly<Record<string, unknown>>;
}

/** Options stored by an earlier save in a local checkpoint folder, or {} when there are none. */
export function readSavedOptions(source: string): Record<string, unknown> {
  const file = join(resolve(source), SAVED_OPTIONS_FILE);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ModelFileError(
      `${file} is not valid JSON (${(err as Error).message}); delete it to use default options`,
    );
  }
  const m = parsed as Partial<SavedManifest>;
  if (m?.format !== "sentiment-hf" || typeof m.options !== "object" || m.options === null) {
    throw new ModelFileError(
      `${file} is not a sentiment-hf options file (expected {"format":"sentiment-hf", "options":{...}})`,
    );
  }
  if (typeof m.version !== "number" || m.version > 1) {
    throw new ModelFileError(
      `${file} has format version ${m.version}; this build reads version 1 — upgrade the software`,
    );
  }
  return { ...m.options };
}

/** Copy `srcDir` to `dest` and write the manifest there; `dest` is replaced as a whole. */
export async function saveCheckpointFolder(
  srcDir: string,
  dest: string,
  manifest: SavedManifest,
): Promise<void> {
  const target = resolve(dest);
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  if (resolve(srcDir) === target) {
    await writeFileAtomic(join(target, SAVED_OPTIONS_FILE), body);
    return;
  }
  if (existsSync(target) && !existsSync(join(target, "config.json"))) {
    throw new ModelFileError(`${target} exists and is not a checkpoint folder; refusing to replace it`);
  }
  const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    for (const file of checkpointFiles(srcDir)) {
      if (file === SAVED_OPTIONS_FILE) continue;
      await mkdir(dirname(join(tmp, file)), { recursive: true });
      await copyFile(join(srcDir, file), join(tmp, file));
    }
    await writeFileAtomic(join(tmp, SAVED_OPTIONS_FILE), body);
    const old = `${target}.${randomBytes(6).toString("hex")}.old`;
    if (existsSync(target)) await rename(target, old);
    await rename(tmp, target);
    await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
