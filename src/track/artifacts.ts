// Copies files and folders into an artifact store so that readers see either the old content or the
// complete new content, never a half-copied one: copy beside the target under a temporary name, then
// rename into place (rename is atomic within one file system).
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { cp, mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { UserError } from "../util/errors.ts";

/** Reject artifact paths that would escape the run's folder ("../x", "/etc/passwd"). */
export function safeArtifactPath(root: string, artifactPath: string): string {
  const target = resolve(root, artifactPath);
  const rel = relative(root, target);
  if (rel.startsWith("..") || rel.split(sep).includes("..") || resolve(root, rel) !== target) {
    throw new UserError(`artifact path "${artifactPath}" leaves the run's artifact folder`);
  }
  return target;
}

/**
 * Copy `source` (file or folder) to `target`, replacing what was there, atomically per top-level entry.
 * @throws UserError when `source` does not exist.
 */
export async function copyAtomic(source: string, target: string): Promise<void> {
  if (!existsSync(source)) throw new UserError(`cannot log artifact: ${source} does not exist`);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await cp(source, tmp, { recursive: true, errorOnExist: false, force: true });
    if (existsSync(target) && statSync(target).isDirectory()) {
      // rename() cannot replace a non-empty folder: move the old one aside first, then delete it.
      const old = `${tmp}.old`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Every file under `dir`, as paths relative to it with "/" separators, sorted. */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.endsWith(".tmp") || e.name.endsWith(".tmp.old")) continue; // copies in progress
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), rel);
      else out.push(rel);
    }
  };
  await walk(dir, "");
  return out.sort();
}
