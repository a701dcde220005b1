// Scores a whole uploaded table (CSV, TSV, JSON Lines, JSON array) row by row with bounded memory and
// writes the input rows plus prediction columns to a temporary file. The result goes to a file, not
// straight to the response, so a bad row anywhere in the upload is a 400 that names it rather than a
// 200 download that stops half way.

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { type ColumnMapping, detectColumns, rowText } from "../data/columns.ts";
import { predictionColumnNames, predictionValues } from "../data/score-stream.ts";
import { readTable, type TableFormat } from "../data/table.ts";
import { type Prediction, predict, type SentimentModel } from "../models/model.ts";
import { DataError } from "../util/errors.ts";

export type OutputFormat = "csv" | "tsv" | "jsonl";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["csv", "tsv", "jsonl"];

/** Rows scored per model call: large enough to amortise the call, small enough to keep the loop responsive. */
const BATCH_ROWS = 256;
/** How many bad rows an error message lists. */
const MAX_LISTED_ERRORS = 5;

export interface ScoreTableOptions {
  format: TableFormat;
  output: OutputFormat;
  /** Name used in messages, e.g. the uploaded file's name. */
  source: string;
  model: SentimentModel;
  maxRows: number;
  maxTextChars: number;
  /** Which column holds the text; detected from its name when unset. */
  textColumn?: string;
  onPredictions?: (predictions: Prediction[]) => void;
}

export interface ScoredTable {
  /** Temporary file holding the result; the caller deletes it. */
  path: string;
  rows: number;
  mapping: ColumnMapping;
}

export class TooManyRowsError extends DataError {
  constructor(readonly limit: number) {
    super(`more than ${limit} rows`);
  }
}

/** A value as one CSV cell: objects as JSON, null/undefined as empty. */
function cell(v: unknown): string | number | boolean {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return v as string | number | boolean;
}

/**
 * Read `input` as a table, predict every row, write rows + prediction columns to a temp file.
 * @throws DataError naming the first bad rows (no text, too long, unreadable) or a missing text column;
 *   TooManyRowsError past `maxRows`.
 */
export async function scoreTable(
  input: AsyncIterable<Uint8Array>,
  options: ScoreTableOptions,
): Promise<ScoredTable> {
  const path = join(tmpdir(), `sentiment-scores-${randomBytes(8).toString("hex")}.${options.output}`);
  const out = createWriteStream(path);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  let columns: string[] | undefined;
  let added: string[] = [];
  let mapping: ColumnMapping | undefined;
  let rows = 0;
  let batch: { values: Record<string, unknown>; text: string }[] = [];
  const bad: string[] = [];
  let badCount = 0;
  const delimiter = options.output === "tsv" ? "\t" : ",";

  const setColumns = async (names: string[]) => {
    columns = names;
    mapping = detectColumns(
      names,
      { textColumn: options.textColumn, labelColumn: false, ratingColumn: false, groupColumn: false },
      options.source,
    );
    added = predictionColumnNames(names);
    if (options.output !== "jsonl") await write(stringify([[...names, ...added]], { delimiter }));
  };

  const flush = async () => {
    if (batch.length === 0 || badCount > 0) return;
    const predictions = await predict(
      options.model,
      batch.map((r) => r.text),
    );
    options.onPredictions?.(predictions);
    let chunk: string;
    if (options.output === "jsonl") {
      chunk = batch
        .map((r, i) => {
          const values = predictionValues(predictions[i]);
          return `${JSON.stringify({ ...r.values, ...Object.fromEntries(added.map((c, k) => [c, values[k]])) })}\n`;
        })
        .join("");
    } else {
      const cols = columns as string[];
      const records = batch.map((r, i) => [
        ...cols.map((c) => cell(r.values[c])),
        ...predictionValues(predictions[i]).map(cell),
      ]);
      chunk = stringify(records, { delimiter });
    }
    await write(chunk);
    batch = [];
  };

  const fail = (row: number, reason: string) => {
    badCount++;
    if (bad.length < MAX_LISTED_ERRORS) bad.push(`row ${row}: ${reason}`);
    batch = [];
  };

  try {
    for await (const item of readTable(input, {
      format: options.format,
      source: options.source,
      // A row can hold one text of maxTextChars UTF-16 units (<= 3 bytes each) plus other columns.
      maxRowBytes: options.maxTextChars * 3 + 64 * 1024,
    })) {
      if (item.kind === "header") {
        await setColumns(item.columns);
        continue;
      }
      if (++rows > options.maxRows) throw new TooManyRowsError(options.maxRows);
      if (item.kind === "error") {
        fail(item.row, item.reason);
        continue;
      }
      if (!columns) await setColumns(Object.keys(item.values));
      if (options.output !== "jsonl") {
        const extra = Object.keys(item.values).find((k) => !(columns as string[]).includes(k));
        if (extra !== undefined) {
          fail(
            item.row,
            `has key "${extra}" that the first row lacks; CSV output needs the same keys in every row (ask for JSONL output)`,
          );
          continue;
        }
      }
      const t = rowText(item.values, (mapping as ColumnMapping).text, options.maxTextChars);
      if ("reason" in t) {
        fail(item.row, t.reason);
        continue;
      }
      if (badCount > 0) continue; // keep reading only to count the bad rows
      batch.push({ values: item.values, text: t.text });
      if (batch.length >= BATCH_ROWS) await flush();
    }
    if (!mapping || rows === 0) throw new DataError(`${options.source} has no rows to score`);
    if (badCount > 0) {
      const more = badCount > bad.length ? ` (and ${badCount - bad.length} more)` : "";
      throw new DataError(`${options.source}: ${badCount} row(s) cannot be scored: ${bad.join("; ")}${more}`);
    }
    await flush();
    out.end();
    await once(out, "close");
    return { path, rows, mapping };
  } catch (err) {
    out.destroy();
    await rm(path, { force: true });
    throw err;
  }
}
