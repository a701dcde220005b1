// `sentiment evaluate`: score a model on labeled reviews (IMDb test split by default, or a CSV/TSV/
// JSONL/JSON file) and print or write the evaluation report (JSON, Markdown, self-contained HTML).
import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Command } from "commander";
import { isImdbPath, loadReviews } from "../../data/load.ts";
import { resolveDataPath } from "../../data/paths.ts";
import { evaluateModel, summaryMetrics } from "../../eval/evaluate.ts";
import { renderJson, type WrittenReport, writeReport } from "../../eval/report.ts";
import type { EvalReport } from "../../eval/types.ts";
import { DEFAULT_MODEL_PATH, loadModel } from "../../models/registry.ts";
import { trackEvaluation } from "../../track/evalRun.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { UserError } from "../../util/errors.ts";
import { positiveInt } from "../options.ts";
import { createProgress } from "../progress.ts";

interface EvaluateCliOptions {
  model?: string;
  data?: string;
  split: string;
  out?: string;
  attach?: boolean;
  json?: boolean;
  quiet?: boolean;
  robustness: boolean;
  limit?: string;
  batchSize: string;
  seed?: string;
  threshold: string;
  track: boolean;
  trackingUri?: string;
  experiment: string;
}

function probability(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1))
    throw new UserError(`${flag} must be a number between 0 and 1 (exclusive), got "${value}"`);
  return n;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

function printSummary(report: EvalReport, written: string[]): void {
  const m = report.metrics;
  const lines = [
    `${report.model.family} ${report.model.id} on ${report.dataset.name}${report.dataset.split ? `, ${report.dataset.split} split` : ""}: ${report.n.toLocaleString("en-US")} reviews`,
    `  accuracy   ${pct(m.accuracy.value)}  (95% CI ${pct(m.accuracy.low)}–${pct(m.accuracy.high)})`,
    `  ROC-AUC    ${m.rocAuc === null ? "undefined (one class only)" : m.rocAuc.toFixed(4)}`,
    `  macro F1   ${m.macro.f1.toFixed(4)}`,
    `  log-loss   ${m.logLoss.toFixed(4)}   Brier ${m.brier.toFixed(4)}   ECE ${m.ece.toFixed(4)}`,
    `  confusion  tn ${m.confusion.tn}  fp ${m.confusion.fp}  fn ${m.confusion.fn}  tp ${m.confusion.tp}`,
  ];
  if (report.ratingMetrics) {
    const r = report.ratingMetrics;
    lines.push(
      `  rating     MAE ${r.mae.toFixed(3)}  RMSE ${r.rmse.toFixed(3)}  within 1 star ${pct(r.within1)}`,
    );
  }
  if (report.robustness) {
    const rb = report.robustness;
    lines.push(`  robustness (sample of ${rb.sampleSize}, clean ${pct(rb.clean.value)}):`);
    for (const row of [...rb.lengthBuckets, rb.firstSentence, rb.negation, ...rb.perturbations]) {
      const acc = row.accuracy ? pct(row.accuracy.value) : "n/a";
      const delta =
        row.delta === null ? "" : `${row.delta >= 0 ? "+" : ""}${(row.delta * 100).toFixed(2)} pts`;
      lines.push(`    ${row.label.padEnd(28)} n=${String(row.n).padEnd(5)} ${acc.padStart(7)}  ${delta}`);
    }
  }
  for (const note of m.notes) lines.push(`  note: ${note}`);
  lines.push(
    `  ${Math.round(report.timing.predictionsPerSecond).toLocaleString("en-US")} predictions/s; total ${report.timing.totalSeconds.toFixed(1)} s`,
  );
  lines.push(...written.map((p) => `  wrote ${p}`));
  process.stdout.write(`${lines.join("\n")}\n`);
}

/**
 * Where the server looks for a model's report: `<name>.report.json` beside the model file (or
 * folder), where <name> is the file name without its extension (see src/serve/modelSource.ts).
 */
export function attachedReportPath(spec: string | undefined): string {
  const path = !spec || spec === "default" ? DEFAULT_MODEL_PATH : resolve(spec.replace(/^hf:/, ""));
  if (!existsSync(path)) {
    throw new UserError(
      `--attach needs a model file or folder on disk; "${spec}" is not one (a hub id has no folder to attach to)`,
    );
  }
  const name = statSync(path).isDirectory() ? basename(path) : basename(path, extname(path));
  return join(dirname(path), `${name}.report.json`);
}

async function run(opts: EvaluateCliOptions): Promise<void> {
  if (opts.split !== "test" && opts.split !== "train") {
    throw new UserError(
      `--split must be "test" or "train", got "${opts.split}" (the unsup split has no labels)`,
    );
  }
  const split = opts.split;
  const limit = positiveInt(opts.limit, "--limit");
  const batchSize = positiveInt(opts.batchSize, "--batch-size")!;
  const seed = opts.seed === undefined ? undefined : Number(opts.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UserError(`--seed must be an integer, got "${opts.seed}"`);
  const threshold = probability(opts.threshold, "--threshold");
  const progress = createProgress({ quiet: opts.quiet, json: opts.json });
  const attachTo = opts.attach ? attachedReportPath(opts.model) : undefined;

  // Load the model first: a bad model spec should fail before a long data read.
  const model = await loadModel(opts.model);
  const dataPath = resolveDataPath(opts.data);
  const imdb = isImdbPath(dataPath);
  const loaded = await loadReviews(dataPath, {
    split: imdb ? split : undefined,
    onProgress: (read, total) =>
      progress.update({
        phase: "read data (MB)",
        done: Math.round(read / 1e6),
        total: Math.round(total / 1e6),
      }),
  });
  // Stderr even with --json: stdout stays one JSON object, and skipped rows are never silent.
  if (loaded.skipped.length > 0 && !opts.quiet) {
    const shown = loaded.skipped.slice(0, 5).map((s) => `  ${s.row}: ${s.reason}`);
    if (loaded.skipped.length > 5) shown.push(`  ... and ${loaded.skipped.length - 5} more`);
    const what = loaded.skipped.length === 1 ? "1 row" : `${loaded.skipped.length} rows`;
    process.stderr.write(`${what} of ${dataPath} could not be used:\n${shown.join("\n")}\n`);
  }
  const report = await evaluateModel(model, loaded.reviews, {
    dataset: {
      name: imdb ? "IMDb Large Movie Review Dataset (aclImdb)" : basename(dataPath),
      path: dataPath,
      split: imdb ? split : undefined,
      sha256: loaded.sha256,
      skipped: loaded.skipped.length,
    },
    batchSize,
    threshold,
    limit,
    seed,
    robustness: opts.robustness,
    onProgress: (e) => progress.update(e),
  });
  progress.stop();

  const written: string[] = [];
  let files: WrittenReport | undefined;
  if (opts.out) {
    files = await writeReport(report, resolve(opts.out));
    written.push(files.json, files.markdown, files.html);
  }
  // Tracked by default like training: metrics, dataset sha256, model id, report files as artifacts.
  const runId = opts.track
    ? await trackEvaluation(report, files, { trackingUri: opts.trackingUri, experiment: opts.experiment })
    : undefined;
  if (attachTo) {
    await writeFileAtomic(attachTo, renderJson(report));
    written.push(attachTo);
  }
  if (opts.json) {
    const out: Record<string, unknown> = {
      model: { id: report.model.id, family: report.model.family },
      dataset: report.dataset,
      metrics: summaryMetrics(report),
    };
    if (report.robustness) {
      const rb = report.robustness;
      out.robustness = Object.fromEntries(
        [...rb.lengthBuckets, rb.firstSentence, rb.negation, ...rb.perturbations].map((r) => [
          r.key,
          { n: r.n, accuracy: r.accuracy?.value ?? null, delta: r.delta },
        ]),
      );
    }
    if (opts.out) out.report = { json: written[0], markdown: written[1], html: written[2] };
    if (attachTo) out.attached = attachTo;
    if (runId) out.runId = runId;
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else if (!opts.quiet) {
    printSummary(report, written);
    if (runId) process.stdout.write(`tracked as run ${runId} (sentiment runs show ${runId.slice(0, 8)})\n`);
  }
}

export function register(program: Command): void {
  program
    .command("evaluate")
    .description(
      "Evaluate a model on labeled reviews: metrics, calibration, robustness; JSON/Markdown/HTML report",
    )
    .option("--model <spec>", "model file, hf:<folder|hub id>, or 'default' (the bundled model)")
    .option(
      "--data <path>",
      "aclImdb .tar.gz or folder, or a labeled .csv/.tsv/.jsonl/.json file (default: IMDb)",
    )
    .option("--split <name>", "aclImdb split to evaluate on: test or train", "test")
    .option("--out <dir>", "write report.json, report.md, report.html and plots/*.svg into this folder")
    .option(
      "--attach",
      "also write the report beside the model as <name>.report.json (shown by the server's Model tab)",
    )
    .option("--json", "print exactly one JSON object with the metrics on stdout")
    .option("--quiet", "no progress and no summary")
    .option("--no-robustness", "skip the robustness checks")
    .option("--limit <n>", "evaluate a seeded random sample of n reviews")
    .option("--batch-size <n>", "texts per predict call", "256")
    .option("--seed <n>", "seed for --limit and the robustness sample")
    .option("--threshold <p>", "P(positive) at or above which a review is called positive", "0.5")
    .option("--experiment <name>", "tracking experiment", "evaluate")
    .option("--tracking-uri <uri>", "tracking store (default: $MLFLOW_TRACKING_URI, else ./mlruns)")
    .option("--no-track", "do not record the evaluation in the experiment tracker")
    .action((opts: EvaluateCliOptions) => run(opts));
}
