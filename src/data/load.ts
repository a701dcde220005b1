// One entry point for "give me the reviews in this file": CSV, TSV, JSON Lines, JSON, or the aclImdb
// dataset (.tar.gz or folder). Tables are streamed row by row; every row that cannot be used is
// returned in `skipped` with its row number and reason, never dropped silently.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { DataError, UserError } from "../util/errors.ts";
import {
  type ColumnMapping,
  type ColumnOptions,
  DEFAULT_MAX_TEXT_LENGTH,
  detectColumns,
  rowToReview,
} from "./columns.ts";
import { readImdb } from "./imdb.ts";
import type { ByteSource } from "./lines.ts";
import { readTable, type TableFormat, tableFormatFromPath } from "./table.ts";
import type { Review, SplitName } from "./types.ts";

export interface LoadReviewsOptions extends ColumnOptions {
  /** Overrides the format guessed from the file name. "imdb" = aclImdb .tar.gz or folder. */
  format?: TableFormat | "imdb";
  /** Which aclImdb split to return; required for aclImdb (mixing train and test would leak). */
  split?: SplitName;
  /** Texts longer than this many characters are skipped with a reason. */
  maxTextLength?: number;
  /** Rows (records, lines) larger than this many bytes are skipped (JSONL) or stop the read (CSV). */
  maxRowBytes?: number;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface SkippedRow {
  /** Line number for tables, archive path for aclImdb files. */
  row: number | string;
  reason: string;
}

export interface LoadedReviews {
  reviews: Review[];
  skipped: SkippedRow[];
  /** sha256 of the file's bytes (aclImdb folder: of its review files, see readImdb). */
  sha256: string;
}

export type ReviewItem =
  | { kind: "columns"; columns: string[]; mapping: ColumnMapping }
  | { kind: "review"; review: Review }
  | { kind: "skipped"; row: number; reason: string };

/** Whether `path` (by name or being a directory) is the aclImdb dataset rather than a table. */
export function isImdbPath(path: string): boolean {
  if (existsSync(path) && statSync(path).isDirectory()) return true;
  return /\.(tar\.gz|tgz)$/i.test(path);
}

/**
 * A file's bytes as a stream (gunzipped for *.gz), hashing the raw bytes and reporting progress
 * as they are consumed. Nothing is read until the caller iterates, so no chunk can be missed
 * while the caller is still busy (e.g. loading a model).
 */
export function openFileBytes(
  path: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): { stream: AsyncIterable<Buffer>; sha256: () => string } {
  const total = statSync(path).size;
  const hash = createHash("sha256");
  async function* tapped(): AsyncGenerator<Buffer> {
    let read = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      read += (chunk as Buffer).length;
      onProgress?.(read, total);
      yield chunk as Buffer;
    }
  }
  const stream: AsyncIterable<Buffer> = path.toLowerCase().endsWith(".gz")
    ? pipeline(Readable.from(tapped()), createGunzip(), () => undefined)
    : tapped();
  return { stream, sha256: () => hash.digest("hex") };
}

/**
 * Stream the reviews of a table (CSV, TSV, JSONL, JSON) from a byte stream: first the chosen
 * columns, then each review or skipped row in file order.
 * @throws DataError when there is no usable text column (the message lists the columns found).
 */
export async function* streamTableReviews(
  input: ByteSource,
  options: LoadReviewsOptions & { format: TableFormat; source: string },
): AsyncGenerator<ReviewItem> {
  const maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  let mapping: ColumnMapping | undefined;
  for await (const item of readTable(input, options)) {
    if (item.kind === "header") {
      mapping = detectColumns(item.columns, options, options.source);
      yield { kind: "columns", columns: item.columns, mapping };
      continue;
    }
    if (item.kind === "error") {
      yield { kind: "skipped", row: item.row, reason: item.reason };
      continue;
    }
    if (!mapping) {
      // JSON rows carry their own keys: the first row decides the columns for the whole file.
      const columns = Object.keys(item.values);
      mapping = detectColumns(columns, options, options.source);
      yield { kind: "columns", columns, mapping };
    }
    const r = rowToReview(item.row, item.values, mapping, maxTextLength);
    if ("review" in r) yield { kind: "review", review: r.review };
    else yield { kind: "skipped", row: item.row, reason: r.reason };
  }
}

function formatOf(path: string, options: LoadReviewsOptions): TableFormat {
  if (options.format && options.format !== "imdb") return options.format;
  const f = tableFormatFromPath(path);
  if (!f) {
    throw new UserError(
      `cannot tell the format of ${path} from its name; use .csv, .tsv, .jsonl, .json (optionally .gz), ` +
        "an aclImdb .tar.gz or folder, or pass the format explicitly",
    );
  }
  return f;
}

/**
 * Load every review of a file into memory, with the rows that were skipped and why.
 * @param path .csv/.tsv/.jsonl/.ndjson/.json (optionally gzipped), or an aclImdb .tar.gz / folder.
 * @throws DataError for a missing or unreadable file or no text column; UserError for aclImdb without `split`.
 * @example
 *   const { reviews, skipped, sha256 } = await loadReviews("reviews.csv");
 *   // reviews[0] = { id: "2", text: "Great film", label: 1 }; skipped = [{ row: 7, reason: "empty text (column \"review\")" }]
 */
export async function loadReviews(path: string, options: LoadReviewsOptions = {}): Promise<LoadedReviews> {
  if (!existsSync(path)) throw new DataError(`data file not found: ${path}`);
  if (options.format === "imdb" || (options.format === undefined && isImdbPath(path))) {
    if (!options.split) {
      throw new UserError(`${path} is the aclImdb dataset: choose a split (train, test or unsup)`);
    }
    const data = await readImdb(path, { splits: [options.split], onProgress: options.onProgress });
    return {
      reviews: data[options.split],
      skipped: data.skipped.map((s) => ({ row: s.path, reason: s.reason })),
      sha256: data.sha256,
    };
  }
  if (statSync(path).isDirectory()) throw new DataError(`${path} is a folder, expected a file`);
  const format = formatOf(path, options);
  const { stream, sha256 } = openFileBytes(path, options.onProgress);
  const reviews: Review[] = [];
  const skipped: SkippedRow[] = [];
  for await (const item of streamTableReviews(stream, { ...options, format, source: path })) {
    if (item.kind === "review") reviews.push(item.review);
    else if (item.kind === "skipped") skipped.push({ row: item.row, reason: item.reason });
  }
  return { reviews, skipped, sha256: sha256() };
}
