// Read-side views of tracked runs, shared by the CLI (`sentiment runs list|show|compare`) and the
// server's Experiments page: plain JSON objects (no store types leak out), plus text tables.
import { existsSync } from "node:fs";
import { UserError } from "../util/errors.ts";
import { listFilesRecursive } from "./artifacts.ts";
import type { Experiment, MetricPoint, RunData, RunStatus, Tracker } from "./tracker.ts";

export interface RunSummary {
  runId: string;
  name: string;
  experiment: string;
  status: RunStatus;
  startTime: string;
  durationSeconds: number | null;
  parentRunId: string | null;
  /** Latest value of every metric. */
  metrics: Record<string, number>;
  params: Record<string, string>;
}

export interface RunDetail extends RunSummary {
  experimentId: string;
  userId: string;
  artifactUri: string;
  tags: Record<string, string>;
  /** Artifact files (relative paths) when the store keeps them locally. */
  artifacts: string[];
  /** Metric key -> number of logged points (the UI fetches curves for keys with more than one). */
  metricPoints: Record<string, number>;
}

export interface RunComparison {
  runs: RunSummary[];
  /** Every param key of any run, with the value per run (null when absent) and whether they differ. */
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  metrics: { key: string; values: (number | null)[]; best: number | null }[];
}

function summarize(run: RunData, experiments: Map<string, Experiment>): RunSummary {
  const i = run.info;
  return {
    runId: i.runId,
    name: i.runName,
    experiment: experiments.get(i.experimentId)?.name ?? i.experimentId,
    status: i.status,
    startTime: new Date(i.startTime).toISOString(),
    durationSeconds: i.endTime === null ? null : (i.endTime - i.startTime) / 1000,
    parentRunId: run.tags["mlflow.parentRunId"] ?? null,
    metrics: Object.fromEntries(Object.entries(run.metrics).map(([k, m]) => [k, m.value])),
    params: run.params,
  };
}

async function experimentMap(tracker: Tracker): Promise<Map<string, Experiment>> {
  return new Map((await tracker.listExperiments()).map((e) => [e.experimentId, e]));
}

/** Runs, newest first. */
export async function listRuns(
  tracker: Tracker,
  options: { experiment?: string; status?: RunStatus; parentRunId?: string; limit?: number } = {},
): Promise<RunSummary[]> {
  const runs = await tracker.searchRuns({
    experimentNames: options.experiment ? [options.experiment] : undefined,
    status: options.status,
    parentRunId: options.parentRunId,
    maxResults: options.limit ?? 100,
  });
  const exps = await experimentMap(tracker);
  return runs.map((r) => summarize(r, exps));
}

/** Find a run by id or unique id prefix (at least 4 characters), as users copy them from tables. */
export async function findRun(tracker: Tracker, idOrPrefix: string): Promise<RunData> {
  const exact = await tracker.getRun(idOrPrefix);
  if (exact) return exact;
  if (idOrPrefix.length >= 4) {
    const matches = (await tracker.searchRuns({ maxResults: 100_000 })).filter((r) =>
      r.info.runId.startsWith(idOrPrefix),
    );
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      throw new UserError(
        `run id prefix "${idOrPrefix}" matches ${matches.length} runs; give more characters`,
      );
    }
  }
  throw new UserError(`no run "${idOrPrefix}" in ${tracker.uri} (see "sentiment runs list")`);
}

export async function runDetail(tracker: Tracker, idOrPrefix: string): Promise<RunDetail> {
  const run = await findRun(tracker, idOrPrefix);
  const exps = await experimentMap(tracker);
  const metricPoints: Record<string, number> = {};
  for (const key of Object.keys(run.metrics)) {
    metricPoints[key] = (await tracker.getMetricHistory(run.info.runId, key)).length;
  }
  const local = run.info.artifactUri && existsSync(run.info.artifactUri);
  return {
    ...summarize(run, exps),
    experimentId: run.info.experimentId,
    userId: run.info.userId,
    artifactUri: run.info.artifactUri,
    tags: run.tags,
    artifacts: local ? await listFilesRecursive(run.info.artifactUri) : [],
    metricPoints,
  };
}

/** Metric curve for the UI: every logged point in order. */
export async function metricHistory(tracker: Tracker, runId: string, key: string): Promise<MetricPoint[]> {
  const run = await findRun(tracker, runId);
  return tracker.getMetricHistory(run.info.runId, key);
}

/** Metrics where lower is better; everything else is treated as higher-is-better for "best". */
const LOWER_IS_BETTER = /loss|error|ece|brier|mae|rmse|seconds|latency/i;

export async function compareRuns(tracker: Tracker, ids: string[]): Promise<RunComparison> {
  if (ids.length < 2) throw new UserError("compare needs at least two run ids");
  const exps = await experimentMap(tracker);
  const runs = await Promise.all(ids.map(async (id) => summarize(await findRun(tracker, id), exps)));
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  return {
    runs,
    params: paramKeys.map((key) => {
      const values = runs.map((r) => r.params[key] ?? null);
      return { key, values, differs: new Set(values).size > 1 };
    }),
    metrics: metricKeys.map((key) => {
      const values = runs.map((r) => (key in r.metrics ? r.metrics[key] : null));
      const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
      const best =
        finite.length === 0 ? null : LOWER_IS_BETTER.test(key) ? Math.min(...finite) : Math.max(...finite);
      return { key, values, best };
    }),
  };
}

/** Fixed-width text table; numbers right-aligned. */
export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((r) =>
    r.map((c) => (c === null ? "-" : typeof c === "number" ? formatNumber(c) : c)),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === "number"),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 || Math.abs(v) < 0.001 ? v.toPrecision(4) : v.toFixed(4);
}
