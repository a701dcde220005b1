// `sentiment data download` (fetch the IMDb archive into the cache: resumable, verified, atomic) and
// `sentiment data stats` (what is in a data set: counts, lengths, HTML, ratings, duplicates).
import type { Command } from "commander";
import { downloadArchive, OFFICIAL_SHA256, OFFICIAL_URL } from "../../data/download.ts";
import { ARCHIVE_NAME, cacheDir, resolveDataPath } from "../../data/paths.ts";
import { computeStats, type DataStats, type LengthSummary } from "../../data/stats.ts";
import { parseTableFormat } from "../../data/table.ts";
import type { SplitName } from "../../data/types.ts";
import { UserError } from "../../util/errors.ts";
import { createProgress } from "../progress.ts";

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "))
    .join("\n");
}

/** Human-readable report of `sentiment data stats`. */
export function formatStats(s: DataStats): string {
  const splits = Object.entries(s.splits);
  const lengthRows = (pick: (x: (typeof splits)[number][1]) => LengthSummary) =>
    splits.map(([name, x]) => {
      const l = pick(x);
      return [name, l.min, l.p50, l.p90, l.p99, l.max, l.mean];
    });
  const ratingKeys = [...new Set(splits.flatMap(([, x]) => Object.keys(x.ratings)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  const parts = [
    `${s.source}\nsha256 ${s.sha256}, analysed in ${s.seconds.toFixed(1)} s`,
    table(
      ["split", "reviews", "positive", "negative", "unlabeled", "with HTML", "dup texts", "extra copies"],
      splits.map(([name, x]) => [
        name,
        x.reviews,
        x.positive,
        x.negative,
        x.unlabeled,
        x.withHtml,
        x.duplicates.texts,
        x.duplicates.extraCopies,
      ]),
    ),
    table(
      ["chars", "min", "p50", "p90", "p99", "max", "mean"],
      lengthRows((x) => x.chars),
    ),
    table(
      ["tokens", "min", "p50", "p90", "p99", "max", "mean"],
      lengthRows((x) => x.tokens),
    ),
  ];
  if (ratingKeys.length > 0) {
    parts.push(
      table(
        ["rating", ...ratingKeys],
        splits
          .filter(([, x]) => Object.keys(x.ratings).length > 0)
          .map(([name, x]) => [name, ...ratingKeys.map((k) => x.ratings[k] ?? 0)]),
      ),
    );
  }
  if (s.crossSplitDuplicates.length > 0) {
    parts.push(
      `identical texts in two splits:\n${s.crossSplitDuplicates.map((c) => `  ${c.splits.join(" & ")}: ${c.texts}`).join("\n")}`,
    );
  }
  const skipped = s.skipped.examples.map((e) => `  ${e.row}: ${e.reason}`);
  if (s.skipped.count > skipped.length) skipped.push(`  ... and ${s.skipped.count - skipped.length} more`);
  parts.push(`skipped: ${s.skipped.count}${skipped.length ? `\n${skipped.join("\n")}` : ""}`);
  return `${parts.join("\n\n")}\n`;
}

function registerDownload(data: Command): void {
  data
    .command("download")
    .description(`Download the IMDb archive into the cache (${cacheDir()}), resuming a partial download`)
    .option("--url <url>", "where to download from", OFFICIAL_URL)
    .option("--sha256 <hex>", "expected sha256 of the archive", OFFICIAL_SHA256)
    .option("--no-verify", "skip the checksum check (e.g. for a mirror with a recompressed archive)")
    .option("--out <path>", "where to save it", `<cache>/${ARCHIVE_NAME}`)
    .option("--force", "download again even if a verified archive is already there")
    .option("--json", "print one JSON object with the result")
    .option("--quiet", "no progress output")
    .addHelpText(
      "after",
      `
An interrupted download leaves <out>.part; running the command again resumes it (HTTP Range).
Exit codes: 0 ok; 3 checksum mismatch (the download is deleted); 5 HTTP or network error (rerun to resume).`,
    )
    .action(async (opts) => {
      if (!/^[0-9a-fA-F]{64}$/.test(opts.sha256))
        throw new UserError(`--sha256 must be 64 hex digits, got "${opts.sha256}"`);
      const progress = createProgress(opts);
      let result: Awaited<ReturnType<typeof downloadArchive>>;
      try {
        result = await downloadArchive({
          url: opts.url,
          sha256: opts.verify ? opts.sha256 : null,
          dest: opts.out === `<cache>/${ARCHIVE_NAME}` ? undefined : opts.out,
          force: opts.force,
          onProgress: (received, total) =>
            progress.update({
              phase: "download (MB)",
              done: Math.round(received / 1e5) / 10,
              total: total ? Math.round(total / 1e5) / 10 : 0,
            }),
        });
      } finally {
        progress.stop();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else if (!opts.quiet) {
        const how = result.alreadyPresent
          ? "already downloaded and verified"
          : result.resumedFrom > 0
            ? `downloaded (resumed at ${result.resumedFrom} bytes)`
            : "downloaded";
        process.stdout.write(`${result.path}: ${how}, ${result.bytes} bytes, sha256 ${result.sha256}\n`);
      }
    });
}

function registerStats(data: Command): void {
  data
    .command("stats")
    .description("Counts, lengths (chars, tokens), HTML, ratings and duplicate texts of a data set")
    .option(
      "--data <path>",
      "aclImdb .tar.gz/folder or a .csv/.tsv/.jsonl/.json file (default: the IMDb archive)",
    )
    .option("--split <name>", "aclImdb only: analyse one split (train, test, unsup)")
    .option("--format <fmt>", "table format when the extension does not tell (csv, tsv, jsonl, json)")
    .option("--text-column <name>", "column holding the text")
    .option("--label-column <name>", "column holding the label")
    .option("--json", "print one JSON object")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const path = resolveDataPath(opts.data);
      if (opts.split && !["train", "test", "unsup"].includes(opts.split)) {
        throw new UserError(`--split must be train, test or unsup, got "${opts.split}"`);
      }
      const progress = createProgress(opts);
      let stats: DataStats;
      try {
        stats = await computeStats(path, {
          split: opts.split as SplitName | undefined,
          format: opts.format ? parseTableFormat(opts.format) : undefined,
          textColumn: opts.textColumn,
          labelColumn: opts.labelColumn,
          onProgress: (read, total) =>
            progress.update({
              phase: "reading (MB)",
              done: Math.round(read / 1e5) / 10,
              total: Math.round(total / 1e5) / 10,
            }),
          onReviews: (done, total) => {
            if (total !== undefined) progress.update({ phase: "analysing (reviews)", done, total });
          },
        });
      } finally {
        progress.stop();
      }
      process.stdout.write(opts.json ? `${JSON.stringify(stats)}\n` : formatStats(stats));
    });
}

export function register(program: Command): void {
  const data = program.command("data").description("Get and inspect data sets (download, stats)");
  registerDownload(data);
  registerStats(data);
}
