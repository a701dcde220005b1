// Scores a stream of table rows with a model, batch by batch, and writes every input row back with
// the prediction columns added — or with an error saying why it could not be scored. Memory holds
// one batch, so a 1 GB file costs what a small one does. Used by `sentiment predict`.
import { stringify } from "csv-stringify/sync";
import { type Prediction, predict, type SentimentModel } from "../models/model.ts";
import { type ColumnMapping, DEFAULT_MAX_TEXT_LENGTH, detectColumns, rowText } from "./columns.ts";
import type { WriteChunk } from "./output.ts";
import type { TableItem } from "./table.ts";

export type OutputFormat = "csv" | "tsv" | "jsonl" | "text";

/**
 * Columns added to each row, in order — the same for `sentiment predict` and the server's file
 * scoring. A name the input already has gets one more "pred_" prefix.
 */
export const PREDICTION_FIELDS = [
  "pred_label",
  "pred_confidence",
  "pred_p_negative",
  "pred_p_positive",
  "pred_rating",
] as const;

/**
 * Rows per model call. 512 amortises per-call overhead for every family while keeping a batch of
 * even long reviews to a few MB.
 */
export const DEFAULT_BATCH_SIZE = 512;

export interface ScoreStreamOptions {
  model: SentimentModel;
  rows: AsyncIterable<TableItem>;
  format: OutputFormat;
  write: WriteChunk;
  /** Name used in error messages (file name, "stdin"). */
  source: string;
  textColumn?: string;
  maxTextLength?: number;
  batchSize?: number;
  /** Called after each batch is written. */
  onBatch?: (progress: { rows: number; failed: number }) => void;
}

export interface ScoreSummary {
  rows: number;
  scored: number;
  failed: number;
  /** The first bad rows (up to 20), for the summary on stderr. */
  failures: { row: number; reason: string }[];
  mapping?: ColumnMapping;
}

type Pending = { row: number; values: Record<string, unknown>; text?: string; error?: string };

const MAX_LISTED_FAILURES = 20;

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Output names for the prediction fields that do not clash with the input's columns. */
export function predictionColumnNames(inputColumns: readonly string[]): string[] {
  const taken = new Set(inputColumns);
  return PREDICTION_FIELDS.map((name) => {
    let out: string = name;
    while (taken.has(out)) out = `pred_${out}`;
    taken.add(out);
    return out;
  });
}

/** A prediction's values in PREDICTION_FIELDS order, rounded for output. */
export function predictionValues(p: Prediction): (string | number | null)[] {
  return [
    p.label,
    round(p.confidence, 6),
    round(p.probabilities.negative, 6),
    round(p.probabilities.positive, 6),
    p.rating === null ? null : round(p.rating, 2),
  ];
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string"
    ? value
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
}

function preview(text: string, width = 70): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/** Formats rows for one output format; knows the columns once the first header/row is seen. */
class Formatter {
  private columns: string[] = [];
  private added: string[] = [...PREDICTION_FIELDS];
  private errorColumn = "error";
  private headerWritten = false;
  constructor(private readonly format: OutputFormat) {}

  setColumns(columns: string[]): void {
    this.columns = columns;
    this.added = predictionColumnNames(columns);
    const taken = new Set([...columns, ...this.added]);
    while (taken.has(this.errorColumn)) this.errorColumn = `pred_${this.errorColumn}`;
  }

  header(): string {
    if (this.headerWritten || this.format === "jsonl" || this.format === "text") return "";
    this.headerWritten = true;
    return this.csv([...this.columns, ...this.added, this.errorColumn]);
  }

  private csv(record: string[]): string {
    return stringify([record], { delimiter: this.format === "tsv" ? "\t" : "," });
  }

  row(p: Pending, prediction?: readonly (string | number | null)[]): string {
    if (this.format === "jsonl") {
      const obj: Record<string, unknown> = { ...p.values };
      if (prediction) {
        for (let i = 0; i < this.added.length; i++) obj[this.added[i]] = prediction[i];
      } else obj[this.errorColumn] = `row ${p.row}: ${p.error}`;
      return `${JSON.stringify(obj)}\n`;
    }
    if (this.format === "text") {
      if (!prediction) return `error     row ${p.row}: ${p.error}\n`;
      const [label, , , pPos, rating] = prediction;
      const r = rating === null ? "" : `  rating ${Number(rating).toFixed(1)}`;
      return `${String(label).padEnd(8)}  p_positive=${Number(pPos).toFixed(3)}${r}  ${preview(p.text ?? "")}\n`;
    }
    const record = this.columns.map((c) => cell(p.values[c]));
    if (prediction) record.push(...prediction.map(cell), "");
    else record.push(...this.added.map(() => ""), `row ${p.row}: ${p.error}`);
    return this.csv(record);
  }
}

/**
 * Score `rows` and write the results in input order. Rows without usable text are written with an
 * error (CSV/TSV: the error column; JSONL: an "error" field; text: an "error" line) and counted.
 * @throws DataError when the input has no text column (listing the columns found).
 */
export async function scoreStream(options: ScoreStreamOptions): Promise<ScoreSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  const formatter = new Formatter(options.format);
  const summary: ScoreSummary = { rows: 0, scored: 0, failed: 0, failures: [] };
  let mapping: ColumnMapping | undefined;
  let pending: Pending[] = [];
  let texts = 0;

  const useColumns = (columns: string[]) => {
    mapping = detectColumns(
      columns,
      { textColumn: options.textColumn, labelColumn: false, ratingColumn: false, groupColumn: false },
      options.source,
    );
    summary.mapping = mapping;
    formatter.setColumns(columns);
  };

  const flush = async () => {
    const batch = pending;
    pending = [];
    texts = 0;
    const scored = batch.filter((p) => p.text !== undefined);
    const predictions =
      scored.length > 0
        ? await predict(
            options.model,
            scored.map((p) => p.text!),
          )
        : [];
    let k = 0;
    let out = formatter.header();
    for (const p of batch) {
      if (p.text === undefined) {
        out += formatter.row(p);
        continue;
      }
      const pr = predictions[k++];
      out += formatter.row(p, predictionValues(pr));
    }
    summary.scored += scored.length;
    await options.write(out);
    options.onBatch?.({ rows: summary.rows, failed: summary.failed });
  };

  const fail = (row: number, reason: string, values: Record<string, unknown> = {}) => {
    summary.failed++;
    if (summary.failures.length < MAX_LISTED_FAILURES) summary.failures.push({ row, reason });
    pending.push({ row, values, error: reason });
  };

  for await (const item of options.rows) {
    if (item.kind === "header") {
      useColumns(item.columns);
      continue;
    }
    summary.rows++;
    if (item.kind === "error") {
      fail(item.row, item.reason, item.values);
    } else {
      if (!mapping) useColumns(Object.keys(item.values));
      const t = rowText(item.values, mapping!.text, maxTextLength);
      if ("reason" in t) fail(item.row, t.reason, item.values);
      else {
        pending.push({ row: item.row, values: item.values, text: t.text });
        texts++;
      }
    }
    // Error rows count toward the batch too, so a file of only bad rows still streams out.
    if (texts >= batchSize || pending.length >= batchSize * 4) await flush();
  }
  if (pending.length > 0 || !summary.rows) await flush();
  return summary;
}
