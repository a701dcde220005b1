// Streaming CSV/TSV reader on csv-parse. The parser works on raw bytes (encoding: null) so every
// field is checked for valid UTF-8 by us, per row, instead of being silently "repaired" with U+FFFD.

import { pipeline, Readable, Transform } from "node:stream";
import { type CsvError, parse } from "csv-parse";
import { DataError } from "../util/errors.ts";
import { type ByteSource, DEFAULT_MAX_LINE_BYTES, decodeUtf8 } from "./lines.ts";
import type { ReadTableOptions, TableItem } from "./table.ts";

export interface ReadCsvOptions extends Omit<ReadTableOptions, "format"> {
  /** "," for CSV (default), "\t" for TSV. */
  delimiter?: string;
}

/** Occurrences of `byte` in the fields, and how many of them follow a CR (a CRLF pair). */
function countNewlines(fields: Buffer[]): { lf: number; crlf: number } {
  let lf = 0;
  let crlf = 0;
  for (const f of fields) {
    for (let i = f.indexOf(0x0a); i !== -1; i = f.indexOf(0x0a, i + 1)) {
      lf++;
      if (i > 0 && f[i - 1] === 0x0d) crlf++;
    }
  }
  return { lf, crlf };
}

/**
 * Drops a leading UTF-8 BOM ourselves: csv-parse's `bom` option switches it to decoding strings,
 * which would hide invalid UTF-8 from our per-row check.
 */
function bomStripper(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let b = chunk;
      if (first && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      first = false;
      callback(null, b);
    },
  });
}

function checkHeader(names: string[], source: string): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    const name = raw.trim() || `column_${i + 1}`;
    if (seen.has(name)) {
      throw new DataError(`${source}: the header names column "${name}" twice; found: ${names.join(", ")}`);
    }
    seen.add(name);
    return name;
  });
}

/**
 * Yield the header, then every record of a CSV/TSV byte stream as a row or a row error
 * (wrong column count, invalid UTF-8, broken quoting). Empty lines are not rows and are skipped.
 * @throws DataError when the file has no header, or a record exceeds `maxRowBytes` (usually an
 *   unclosed quote swallowing the rest of the file; the parser cannot resynchronise after it).
 */
export async function* readCsv(input: ByteSource, options: ReadCsvOptions = {}): AsyncGenerator<TableItem> {
  const source = options.source ?? "input";
  const maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_LINE_BYTES;
  const skipped: { row: number; reason: string }[] = [];
  let fatal: CsvError | undefined;
  let lastLine = 0; // line on which the previous record ended
  // csv-parse counts a CRLF inside a quoted field as two lines; this is how far ahead it is.
  let crlfInFields = 0;
  const parser = parse({
    encoding: null,
    delimiter: options.delimiter ?? ",",
    info: true,
    // Stray quotes inside unquoted fields (`a "quoted" word`) are common in review text; without
    // this csv-parse rejects the row and, as measured, loses the following rows too.
    relax_quotes: true,
    relax_column_count: true, // we report wrong counts ourselves, with the row number
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: maxRowBytes,
    on_skip: (err) => {
      if (!err) return;
      if (err.code === "CSV_MAX_RECORD_SIZE") fatal = err;
      else skipped.push({ row: lastLine + 1, reason: `CSV syntax error: ${err.message}` });
    },
  });
  const src = input instanceof Readable ? input : Readable.from(input);
  pipeline(src, bomStripper(), parser, () => undefined); // errors surface in the loop below

  let header: string[] | undefined;
  try {
    for await (const item of parser as AsyncIterable<{ record: Buffer[]; info: { lines: number } }>) {
      for (const s of skipped.splice(0)) yield { kind: "error", ...s };
      const { record, info } = item;
      const nl = countNewlines(record);
      crlfInFields += nl.crlf;
      lastLine = info.lines - crlfInFields;
      const row = lastLine - nl.lf;
      const decoded = record.map((b) => decodeUtf8(b));
      if (!header) {
        if (decoded.some((d) => d === undefined))
          throw new DataError(`${source}: the header row is not valid UTF-8`);
        header = checkHeader(decoded as string[], source);
        yield { kind: "header", columns: header };
        continue;
      }
      const values: Record<string, unknown> = {};
      header.forEach((name, i) => {
        if (i < record.length) values[name] = decoded[i] ?? record[i].toString("utf8");
      });
      const badColumn = decoded.indexOf(undefined);
      if (record.length !== header.length) {
        yield {
          kind: "error",
          row,
          reason: `expected ${header.length} columns (${header.join(", ")}), found ${record.length}`,
          values,
        };
      } else if (badColumn !== -1) {
        yield { kind: "error", row, reason: `column "${header[badColumn]}" is not valid UTF-8`, values };
      } else {
        yield { kind: "row", row, values };
      }
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${source}: cannot read CSV: ${(err as Error).message}`);
  } finally {
    src.destroy();
  }
  for (const s of skipped.splice(0)) yield { kind: "error", ...s };
  if (fatal) {
    throw new DataError(
      `${source}: a record starting near line ${lastLine + 1} is larger than ${maxRowBytes} bytes ` +
        "(an unclosed quote?); reading stopped there",
    );
  }
  if (!header) throw new DataError(`${source}: the file is empty (expected a header row naming the columns)`);
}
