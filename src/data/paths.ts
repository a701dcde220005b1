// Where the IMDb data is: --data, else $SENTIMENT_DATA, else ../shared/data/aclImdb.tar.gz beside
// the project when present, else the download cache (`sentiment data download` fills it).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../models/registry.ts";
import { DataError } from "../util/errors.ts";

export const ARCHIVE_NAME = "aclImdb_v1.tar.gz";

export function cacheDir(): string {
  return (
    process.env.SENTIMENT_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "imdb-sentiment")
  );
}

export function dataCandidates(explicit?: string): string[] {
  if (explicit) return [resolve(explicit)];
  if (process.env.SENTIMENT_DATA) return [resolve(process.env.SENTIMENT_DATA)];
  return [resolve(PROJECT_ROOT, "../shared/data/aclImdb.tar.gz"), join(cacheDir(), ARCHIVE_NAME)];
}

export function resolveDataPath(explicit?: string): string {
  const candidates = dataCandidates(explicit);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new DataError(
      `IMDb data not found (looked at ${candidates.join(", ")}); pass --data, set SENTIMENT_DATA, or run "sentiment data download"`,
    );
  }
  return found;
}
