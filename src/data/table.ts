// Tabular review files (CSV, TSV, JSON Lines, JSON arrays) as one stream of rows. Readers yield
// every row or a row error with its number and reason, so callers can report bad rows instead of
// dropping them, and memory stays bounded however large the file is.
import { extname } from "node:path";
import { UserError } from "../util/errors.ts";
import { readCsv } from "./csv.ts";
import { readJsonl } from "./jsonl.ts";
import type { ByteSource } from "./lines.ts";

export type TableFormat = "csv" | "tsv" | "jsonl" | "json";
export const TABLE_FORMATS: readonly TableFormat[] = ["csv", "tsv", "jsonl", "json"];

export type TableItem =
  /** CSV/TSV: the header row, always first. JSON: never sent (each row carries its own keys). */
  | { kind: "header"; columns: string[] }
  /** `row` is the 1-based line of the file where the row starts (the CSV header is line 1). */
  | { kind: "row"; row: number; values: Record<string, unknown> }
  /** A row that could not be read; `values` holds what could be recovered, if anything. */
  | { kind: "error"; row: number; reason: string; values?: Record<string, unknown> };

export interface ReadTableOptions {
  format: TableFormat;
  /** Rows (CSV records or JSON lines) larger than this many bytes are errors; bounds memory. */
  maxRowBytes?: number;
  /** Name used in error messages, e.g. the file path. */
  source?: string;
}

/** Table format from a file name (".csv", ".tsv", ".jsonl", ".ndjson", ".json"), or undefined. */
export function tableFormatFromPath(path: string): TableFormat | undefined {
  const ext = extname(path.endsWith(".gz") ? path.slice(0, -3) : path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".json") return "json";
  return undefined;
}

/** Parse a user-supplied format name. @throws UserError listing the valid names. */
export function parseTableFormat(name: string): TableFormat {
  const f = name.toLowerCase() === "ndjson" ? "jsonl" : name.toLowerCase();
  if ((TABLE_FORMATS as readonly string[]).includes(f)) return f as TableFormat;
  throw new UserError(`unknown format "${name}"; expected one of ${TABLE_FORMATS.join(", ")}`);
}

/** Read a table from a byte stream in the given format. */
export async function* readTable(input: ByteSource, options: ReadTableOptions): AsyncGenerator<TableItem> {
  if (options.format === "csv" || options.format === "tsv") {
    yield* readCsv(input, { ...options, delimiter: options.format === "tsv" ? "\t" : "," });
  } else {
    yield* readJsonl(input, { ...options, format: options.format });
  }
}
