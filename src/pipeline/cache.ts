// Content-addressed store of pipeline step outputs: <cacheDir>/<step>/<key>/ holds the files a step
// wrote plus _manifest.json (what produced them and the sha256 of every file). A step writes into a
// temporary folder that is renamed into place only after it succeeded, so an interrupted or failed
// step leaves nothing a later run could mistake for a result; a damaged entry is detected on lookup
// (missing file or checksum mismatch) and recomputed.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { sha256File } from "./hash.ts";

export const MANIFEST = "_manifest.json";

export interface StepManifest {
  step: string;
  key: string;
  codeVersion: string;
  configHash: string;
  /** input step name -> its artifact key */
  inputs: Record<string, string>;
  createdAt: string;
  seconds: number;
  /** Small JSON the step returned (counts, metrics, ids) for later steps and the lineage. */
  summary: Record<string, unknown>;
  /** relative path -> sha256 */
  files: Record<string, string>;
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else out.push(relative(base, p).split("\\").join("/"));
  }
  return out.sort();
}

export class ArtifactCache {
  constructor(readonly root: string) {}

  entryDir(step: string, key: string): string {
    return join(this.root, step, key);
  }

  /** A committed, intact entry, or undefined (absent or damaged: a damaged one is removed). */
  async lookup(step: string, key: string): Promise<StepManifest | undefined> {
    const dir = this.entryDir(step, key);
    const manifestPath = join(dir, MANIFEST);
    if (!existsSync(manifestPath)) return undefined;
    try {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as StepManifest;
      if (manifest.key !== key || manifest.step !== step) throw new Error("manifest names another entry");
      for (const [file, digest] of Object.entries(manifest.files)) {
        const path = join(dir, file);
        if (!existsSync(path) || (await sha256File(path)) !== digest) throw new Error(`${file} changed`);
      }
      return manifest;
    } catch {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** A fresh temporary folder for a step to write into. */
  async scratch(step: string, key: string): Promise<string> {
    const dir = join(this.root, step, `.${key.slice(0, 16)}.${randomBytes(6).toString("hex")}.tmp`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Hash what the step wrote, add the manifest, and move the folder into place atomically. */
  async commit(tmp: string, manifest: Omit<StepManifest, "files">): Promise<StepManifest> {
    const files: Record<string, string> = {};
    for (const f of await listFiles(tmp)) if (f !== MANIFEST) files[f] = await sha256File(join(tmp, f));
    const full: StepManifest = { ...manifest, files };
    await writeFile(join(tmp, MANIFEST), `${JSON.stringify(full, null, 2)}\n`);
    const target = this.entryDir(manifest.step, manifest.key);
    if (existsSync(target)) {
      // Another run produced the same key meanwhile: identical by construction, keep theirs.
      await rm(tmp, { recursive: true, force: true });
      return full;
    }
    await rename(tmp, target);
    return full;
  }

  async discard(tmp: string): Promise<void> {
    await rm(tmp, { recursive: true, force: true });
  }
}
