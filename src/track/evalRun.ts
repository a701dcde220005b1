// Evaluation with experiment tracking: one run per `sentiment evaluate`, holding what was evaluated
// (model id and family, dataset name/split/sha256, size) as params and tags, the headline metrics, and
// the report files (JSON, Markdown, HTML, SVG plots) as artifacts under eval/.
import { dirname } from "node:path";
import { summaryMetrics } from "../eval/evaluate.ts";
import type { WrittenReport } from "../eval/report.ts";
import type { EvalReport } from "../eval/types.ts";
import { openTracker } from "./open.ts";
import type { ActiveRun, Tracker } from "./tracker.ts";
import { logNumbers } from "./trainRun.ts";

/** Record a finished evaluation on `run` (metrics, params, tags; report files when written). */
export async function logEvaluation(
  run: ActiveRun,
  report: EvalReport,
  written?: WrittenReport,
): Promise<void> {
  run.logParams({
    "model.family": report.model.family,
    "model.id": report.model.id,
    "dataset.name": report.dataset.name,
    ...(report.dataset.split ? { "dataset.split": report.dataset.split } : {}),
    ...(report.dataset.limit ? { "dataset.limit": report.dataset.limit } : {}),
    n: report.n,
  });
  run.setTags({
    ...(report.dataset.sha256 ? { "dataset.sha256": report.dataset.sha256 } : {}),
    ...(report.model.dataSha256 ? { "model.trained_on.sha256": report.model.dataSha256 } : {}),
  });
  logNumbers(run, summaryMetrics(report) as Record<string, unknown>);
  if (written) await run.logArtifact(dirname(written.json), "eval");
}

/**
 * One-call helper for the evaluate command: opens the tracker, records the evaluation as a FINISHED run
 * in `experiment` (default "evaluate"), closes the tracker and returns the run id.
 * @example const runId = await trackEvaluation(report, written); // after writeReport(report, dir)
 */
export async function trackEvaluation(
  report: EvalReport,
  written?: WrittenReport,
  options: { trackingUri?: string; experiment?: string; runName?: string; tracker?: Tracker } = {},
): Promise<string> {
  const tracker = options.tracker ?? (await openTracker(options.trackingUri));
  try {
    const run = await tracker.startRun({
      experiment: options.experiment ?? "evaluate",
      name: options.runName ?? `eval-${report.model.id}`,
    });
    try {
      await logEvaluation(run, report, written);
      await run.end("FINISHED");
    } catch (err) {
      await run.end("FAILED").catch(() => {});
      throw err;
    }
    return run.runId;
  } finally {
    if (!options.tracker) await tracker.close();
  }
}
