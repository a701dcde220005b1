// Hashing for content-addressed pipeline artifacts: canonical JSON (key order never changes a hash),
// file and folder digests, and the code version of a step (a digest of the source files it runs).
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../models/registry.ts";

/** JSON with object keys sorted at every level; undefined members dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (c) => hash.update(c))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

function sourceFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(join(path, e.name))
        : /\.(ts|mts|js|json)$/.test(e.name)
          ? [join(path, e.name)]
          : [],
    )
    .sort();
}

const codeCache = new Map<string, string>();

/**
 * Digest of the source files (or folders) a step runs, relative to the project root. Editing any of
 * them changes the step's cache key, so stale artifacts are never reused after a code change.
 * @throws Error when a listed path does not exist (a typo would silently disable invalidation).
 */
export function codeVersion(paths: readonly string[]): string {
  const id = paths.join("\n");
  const hit = codeCache.get(id);
  if (hit) return hit;
  const hash = createHash("sha256");
  for (const p of paths) {
    const abs = join(PROJECT_ROOT, p);
    if (!existsSync(abs)) throw new Error(`pipeline step code path ${p} does not exist`);
    for (const f of sourceFiles(abs)) {
      hash.update(relative(PROJECT_ROOT, f));
      hash.update("\0");
      hash.update(readFileSync(f));
      hash.update("\0");
    }
  }
  const digest = hash.digest("hex");
  codeCache.set(id, digest);
  return digest;
}
