// `sentiment predict`: score texts given as arguments, lines on stdin, or a CSV/TSV/JSONL/JSON file,
// streaming in batches so memory does not grow with the input.

import { basename } from "node:path";
import type { Command } from "commander";
import { decodeUtf8, splitLines } from "../../data/lines.ts";
import { openFileBytes } from "../../data/load.ts";
import { backpressureWriter, openAtomicFile, type WriteChunk } from "../../data/output.ts";
import {
  DEFAULT_BATCH_SIZE,
  type OutputFormat,
  type ScoreSummary,
  scoreStream,
} from "../../data/score-stream.ts";
import { readTable, type TableItem, tableFormatFromPath } from "../../data/table.ts";
import { loadModel } from "../../models/registry.ts";
import { UserError } from "../../util/errors.ts";
import { positiveInt } from "../options.ts";
import { createProgress } from "../progress.ts";

const OUTPUT_FORMATS: readonly OutputFormat[] = ["csv", "tsv", "jsonl", "text"];

interface PredictOptions {
  model?: string;
  file?: string;
  out?: string;
  format?: string;
  json?: boolean;
  textColumn?: string;
  batchSize: string;
  maxLength?: string;
  quiet?: boolean;
}

function outputFormat(opts: PredictOptions, inputFormat: OutputFormat): OutputFormat {
  if (opts.json) return "jsonl";
  if (opts.format) {
    const f = opts.format.toLowerCase() === "ndjson" ? "jsonl" : opts.format.toLowerCase();
    if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) {
      throw new UserError(`--format must be one of ${OUTPUT_FORMATS.join(", ")}, got "${opts.format}"`);
    }
    return f as OutputFormat;
  }
  if (opts.out) {
    const f = tableFormatFromPath(opts.out);
    if (f === "json")
      throw new UserError("--out: a JSON array cannot be streamed; use .jsonl (one object per line)");
    if (f) return f;
    if (opts.out.toLowerCase().endsWith(".txt")) return "text";
    throw new UserError(`--out ${opts.out}: cannot tell the format from the name; pass --format`);
  }
  return inputFormat;
}

/** Texts from arguments or stdin lines as table rows with one "text" column. */
async function* lineRows(texts: string[], maxLineBytes: number): AsyncGenerator<TableItem> {
  yield { kind: "header", columns: ["text"] };
  if (texts.length > 0) {
    for (let i = 0; i < texts.length; i++) yield { kind: "row", row: i + 1, values: { text: texts[i] } };
    return;
  }
  for await (const item of splitLines(process.stdin, maxLineBytes)) {
    if (item.tooLong !== undefined) {
      yield {
        kind: "error",
        row: item.line,
        reason: `line is ${item.tooLong} bytes, over the limit of ${maxLineBytes}`,
      };
      continue;
    }
    const text = decodeUtf8(item.bytes);
    if (text === undefined) yield { kind: "error", row: item.line, reason: "line is not valid UTF-8" };
    else yield { kind: "row", row: item.line, values: { text } };
  }
}

function reportFailures(summary: ScoreSummary, source: string): void {
  if (summary.failed === 0) return;
  const lines = summary.failures.map((f) => `  row ${f.row}: ${f.reason}`);
  if (summary.failed > summary.failures.length)
    lines.push(`  ... and ${summary.failed - summary.failures.length} more`);
  process.stderr.write(
    `${summary.failed} of ${summary.rows} rows of ${source} could not be scored ` +
      `(kept in the output with an error):\n${lines.join("\n")}\n`,
  );
}

async function run(texts: string[], opts: PredictOptions): Promise<void> {
  if (opts.file && texts.length > 0) throw new UserError("give either texts or --file, not both");
  if (!opts.file && texts.length === 0 && process.stdin.isTTY) {
    throw new UserError(
      'nothing to score: give a text (sentiment predict "Great film"), --file, or pipe lines on stdin',
    );
  }
  const batchSize = positiveInt(opts.batchSize, "--batch-size") ?? DEFAULT_BATCH_SIZE;
  const maxTextLength = positiveInt(opts.maxLength, "--max-length");
  // A line can hold at most 4 bytes per character, plus JSON/CSV quoting.
  const maxRowBytes = maxTextLength ? Math.max(maxTextLength * 4 + 65536, 1 << 20) : undefined;
  const progress = createProgress({ quiet: opts.quiet || !opts.file, json: opts.json });

  let rows: AsyncIterable<TableItem>;
  let source: string;
  let inputFormat: OutputFormat;
  if (opts.file) {
    const format = tableFormatFromPath(opts.file);
    if (!format)
      throw new UserError(`--file ${opts.file}: use a .csv, .tsv, .jsonl or .json file (optionally .gz)`);
    const { stream } = openFileBytes(opts.file, (read, total) =>
      progress.update({
        phase: "scoring (MB read)",
        done: Math.round(read / 1e5) / 10,
        total: Math.round(total / 1e5) / 10,
      }),
    );
    rows = readTable(stream, { format, source: opts.file, maxRowBytes });
    source = basename(opts.file);
    inputFormat = format === "json" ? "jsonl" : format;
  } else {
    rows = lineRows(texts, maxRowBytes ?? 64 * 1024 * 1024);
    source = texts.length > 0 ? "the arguments" : "stdin";
    inputFormat = "text";
  }
  const format = outputFormat(opts, inputFormat);

  const model = await loadModel(opts.model);
  const started = performance.now();
  const file = opts.out ? await openAtomicFile(opts.out) : undefined;
  const write: WriteChunk = file ? file.write : backpressureWriter(process.stdout);
  // Ctrl-C must not leave a temp file behind (the target itself is only ever written by rename).
  const onSigint = () => {
    void (file?.abort() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSigint);
  let summary: ScoreSummary;
  try {
    summary = await scoreStream({
      model,
      rows,
      format,
      write,
      source,
      textColumn: opts.textColumn,
      maxTextLength,
      batchSize,
    });
    await file?.commit();
  } catch (err) {
    await file?.abort();
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (!opts.quiet && (opts.file || opts.out)) {
    process.stderr.write(
      `scored ${summary.scored} of ${summary.rows} rows in ${seconds.toFixed(1)} s` +
        `${opts.out ? ` -> ${opts.out}` : ""}\n`,
    );
  }
  reportFailures(summary, source);
  if (summary.failed > 0) process.exitCode = 3;
}

export function register(program: Command): void {
  program
    .command("predict")
    .description("Predict the sentiment of texts, stdin lines (one review per line) or a CSV/TSV/JSONL file")
    .argument("[texts...]", "reviews to score (otherwise stdin or --file)")
    .option("--model <spec>", 'model file, "hf:<folder|hub id>", or "default" (the bundled model)')
    .option(
      "--file <path>",
      "score a .csv/.tsv/.jsonl/.json file (optionally .gz); output keeps every column",
    )
    .option("--out <path>", "write results here (atomically) instead of stdout; format from the extension")
    .option(
      "--format <fmt>",
      `output format: ${OUTPUT_FORMATS.join(", ")} (default: --out's extension, else the input's)`,
    )
    .option("--json", "one JSON object per review (same as --format jsonl)")
    .option("--text-column <name>", "column holding the text (default: text, review, content, sentence, ...)")
    .option("--batch-size <n>", "reviews per model call", String(DEFAULT_BATCH_SIZE))
    .option("--max-length <chars>", "reject texts longer than this (default 100000)")
    .option("--quiet", "no progress or summary on stderr (bad rows are still reported)")
    .addHelpText(
      "after",
      `
Output: every input column plus pred_label, pred_confidence, pred_p_negative, pred_p_positive,
pred_rating (the same columns as the server's file scoring; a name the input already has gets one
more "pred_" prefix), and an error column (CSV/TSV) or "error" field (JSONL)
for rows that could not be scored. Rows are never dropped: bad rows stay in the output, in order.

Exit codes: 0 every row scored; 3 some rows could not be scored (listed on stderr, marked in the
output); 2 usage error; 4 model file missing or invalid.

Examples:
  sentiment predict "A wonderful, moving film"
  cat reviews.txt | sentiment predict --json
  sentiment predict --file reviews.csv --out scored.csv`,
    )
    .action(async (texts: string[], opts: PredictOptions) => run(texts, opts));
}
