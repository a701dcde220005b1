// Downloads the IMDb archive into the cache: resumable (HTTP Range on a `.part` file), verified
// (sha256) and atomic (renamed into place only when complete and correct). Uses Node's built-in
// fetch, so no HTTP client dependency.
import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DataError, UserError } from "../util/errors.ts";
import { ARCHIVE_NAME, cacheDir } from "./paths.ts";

export const OFFICIAL_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";
/** sha256 of the official aclImdb_v1.tar.gz (84,125,825 bytes). */
export const OFFICIAL_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe";

/** A download failed for a network or HTTP reason; the `.part` file is kept so a rerun resumes. */
export class DownloadError extends UserError {
  constructor(message: string) {
    super(message, 5);
    this.name = "DownloadError";
  }
}

export interface DownloadOptions {
  url?: string;
  /** Expected sha256 (hex); `null` skips verification. Default: the official archive's. */
  sha256?: string | null;
  /** Where the archive goes. Default: `<cacheDir()>/aclImdb_v1.tar.gz`. */
  dest?: string;
  /** Download again even when `dest` already exists and matches. */
  force?: boolean;
  onProgress?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes that were already in a `.part` file from an earlier, interrupted run. */
  resumedFrom: number;
  /** The file was already there and matched; nothing was downloaded. */
  alreadyPresent: boolean;
}

async function hashFile(path: string, hash: Hash = createHash("sha256")): Promise<Hash> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

function describeNetworkError(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause ? `: ${e.cause.code ?? e.cause.message}` : "";
  return `${e.message}${cause}`;
}

/** Parse "bytes 100-199/200" -> start (100) and total (200, or undefined for "*"). */
function parseContentRange(header: string | null): { start: number; total?: number } | undefined {
  const m = header ? /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === "*" ? undefined : Number(m[2]) };
}

/**
 * Download `url` to `dest`, resuming a previous partial download when the server allows it.
 * @throws DownloadError (exit 5) for HTTP errors and dropped connections — rerun to resume;
 *   DataError (exit 3) when the checksum does not match (the partial file is deleted).
 * @example await downloadArchive({ onProgress: (n, total) => ... }) // { path: "~/.cache/imdb-sentiment/aclImdb_v1.tar.gz", ... }
 */
export async function downloadArchive(options: DownloadOptions = {}): Promise<DownloadResult> {
  const url = options.url ?? OFFICIAL_URL;
  const expected = options.sha256 === undefined ? OFFICIAL_SHA256 : (options.sha256?.toLowerCase() ?? null);
  const dest = options.dest ?? join(cacheDir(), ARCHIVE_NAME);
  const part = `${dest}.part`;
  mkdirSync(dirname(dest), { recursive: true });

  if (existsSync(dest) && !options.force) {
    const sha256 = (await hashFile(dest)).digest("hex");
    if (expected === null || sha256 === expected) {
      return { path: dest, bytes: statSync(dest).size, sha256, resumedFrom: 0, alreadyPresent: true };
    }
    // A wrong file under the final name is replaced, atomically, by a correct download.
  }

  let offset = existsSync(part) ? statSync(part).size : 0;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      signal: options.signal,
    });
  } catch (err) {
    throw new DownloadError(`cannot download ${url}: ${describeNetworkError(err)}`);
  }

  let total: number | undefined;
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get("content-range"));
    if (!range || range.start !== offset) {
      await response.body?.cancel();
      await rm(part, { force: true });
      throw new DownloadError(
        `${url}: the server resumed at the wrong offset; the partial file was deleted, run again`,
      );
    }
    total = range.total;
  } else if (response.status === 416 && offset > 0) {
    // Range not satisfiable: the part file is already complete (or longer than the file). Verify it.
    await response.body?.cancel();
    total = offset;
  } else if (response.ok) {
    offset = 0; // the server ignored the Range header: start over
    const length = response.headers.get("content-length");
    total = length ? Number(length) : undefined;
  } else {
    await response.body?.cancel();
    throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  }

  const hash = offset > 0 ? await hashFile(part) : createHash("sha256");
  const resumedFrom = offset;
  let received = offset;
  const fh = await open(part, offset > 0 ? "a" : "w");
  try {
    if (response.status !== 416 && response.body) {
      options.onProgress?.(received, total);
      for await (const chunk of response.body) {
        hash.update(chunk);
        await fh.write(chunk);
        received += chunk.length;
        options.onProgress?.(received, total);
      }
    }
    await fh.sync();
  } catch (err) {
    throw new DownloadError(
      `download of ${url} interrupted after ${received} bytes (${describeNetworkError(err)}); ` +
        `run again to resume from ${part}`,
    );
  } finally {
    await fh.close();
  }
  if (total !== undefined && received !== total) {
    if (received > total) await rm(part, { force: true });
    throw new DownloadError(
      `download of ${url} ended at ${received} of ${total} bytes; ` +
        (received > total ? "the partial file was deleted, run again" : `run again to resume from ${part}`),
    );
  }
  const sha256 = hash.digest("hex");
  if (expected !== null && sha256 !== expected) {
    // Resuming cannot repair wrong bytes, so the part file goes; the next run starts clean.
    await rm(part, { force: true });
    throw new DataError(
      `checksum mismatch for ${url}: expected sha256 ${expected}, got ${sha256}; ` +
        "the downloaded file was deleted. Check --url / --sha256, or run again",
    );
  }
  await rename(part, dest);
  return { path: dest, bytes: received, sha256, resumedFrom, alreadyPresent: false };
}
