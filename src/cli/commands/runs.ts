// `sentiment runs list|show|compare|export`: read the experiment tracker (embedded ./mlruns store or
// the MLflow server in MLFLOW_TRACKING_URI) and export runs to MLflow's file-store layout.
import { resolve } from "node:path";
import type { Command } from "commander";
import { exportMlflowFileStore } from "../../track/fileStoreExport.ts";
import { TRACKING_URI_HELP, withTracker } from "../../track/open.ts";
import { compareRuns, formatNumber, listRuns, runDetail, table } from "../../track/runViews.ts";
import type { RunStatus } from "../../track/tracker.ts";
import { UserError } from "../../util/errors.ts";
import { createProgress } from "../progress.ts";

const STATUSES: RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
const URI_HELP = TRACKING_URI_HELP;

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function register(program: Command): void {
  const runs = program.command("runs").description("Inspect and export tracked runs (MLflow-compatible)");

  runs
    .command("list")
    .description("List runs, newest first")
    .option("--experiment <name>", "only this experiment")
    .option("--status <status>", `only runs with this status (${STATUSES.join(", ")})`)
    .option("--parent <runId>", "only child runs of this run (e.g. tuning trials)")
    .option("--limit <n>", "at most this many runs", "50")
    .option("--metrics <keys>", "comma-separated metrics to show (default: up to 3 common ones)")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--json", "print JSON")
    .action(async (opts) => {
      const status = opts.status?.toUpperCase() as RunStatus | undefined;
      if (status && !STATUSES.includes(status))
        throw new UserError(`--status must be one of ${STATUSES.join(", ")}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UserError(`--limit must be a positive integer, got "${opts.limit}"`);
      await withTracker(opts.trackingUri, async (t) => {
        const list = await listRuns(t, {
          experiment: opts.experiment,
          status,
          parentRunId: opts.parent,
          limit,
        });
        if (opts.json) return print(JSON.stringify(list, null, 2));
        if (list.length === 0) return print(`no runs in ${t.uri}`);
        const keys: string[] = opts.metrics
          ? String(opts.metrics).split(",")
          : [...new Set(list.flatMap((r) => Object.keys(r.metrics)))]
              .sort(
                (a, b) =>
                  list.filter((r) => b in r.metrics).length - list.filter((r) => a in r.metrics).length,
              )
              .slice(0, 3);
        print(
          table(
            ["run", "name", "experiment", "status", "started", "seconds", ...keys],
            list.map((r) => [
              r.runId.slice(0, 8),
              r.name,
              r.experiment,
              r.status,
              r.startTime.slice(0, 19).replace("T", " "),
              r.durationSeconds === null ? null : r.durationSeconds.toFixed(1),
              ...keys.map((k) => (k in r.metrics ? r.metrics[k] : null)),
            ]),
          ),
        );
      });
    });

  runs
    .command("show <runId>")
    .description("Params, metrics, tags and artifacts of one run (id or unique prefix)")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--json", "print JSON")
    .action(async (id: string, opts) => {
      await withTracker(opts.trackingUri, async (t) => {
        const d = await runDetail(t, id);
        if (opts.json) return print(JSON.stringify(d, null, 2));
        print(`run ${d.runId}  ${d.name}  [${d.status}]`);
        print(
          `experiment ${d.experiment} (${d.experimentId}), started ${d.startTime}, ${d.durationSeconds ?? "?"} s`,
        );
        if (d.parentRunId) print(`parent run ${d.parentRunId}`);
        print(`artifacts ${d.artifactUri}`);
        const section = (title: string, rows: [string, string][]) => {
          if (rows.length === 0) return;
          print(`\n${title}`);
          for (const [k, v] of rows) print(`  ${k}: ${v}`);
        };
        section("params", Object.entries(d.params));
        section(
          "metrics (latest)",
          Object.entries(d.metrics).map(([k, v]) => [
            k,
            `${formatNumber(v)}${d.metricPoints[k] > 1 ? `  (${d.metricPoints[k]} points)` : ""}`,
          ]),
        );
        section(
          "tags",
          Object.entries(d.tags).filter(([k]) => k !== "mlflow.runName"),
        );
        section(
          "artifact files",
          d.artifacts.map((a) => [a, ""] as [string, string]),
        );
      });
    });

  runs
    .command("compare <runIds...>")
    .description("Params and metrics of several runs side by side; differing params marked with *")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--all", "also show params that are equal in every run")
    .option("--json", "print JSON")
    .action(async (ids: string[], opts) => {
      await withTracker(opts.trackingUri, async (t) => {
        const c = await compareRuns(t, ids);
        if (opts.json) return print(JSON.stringify(c, null, 2));
        const headers = ["", ...c.runs.map((r) => `${r.runId.slice(0, 8)} ${r.name}`)];
        print(table(headers, [["status", ...c.runs.map((r) => r.status)]]));
        const params = c.params.filter((p) => opts.all || p.differs);
        if (params.length) {
          print("\nparams");
          print(
            table(
              headers,
              params.map((p) => [`${p.differs ? "*" : " "} ${p.key}`, ...p.values]),
            ),
          );
        }
        if (c.metrics.length) {
          print("\nmetrics (best marked with <)");
          print(
            table(
              headers,
              c.metrics.map((m) => [
                m.key,
                ...m.values.map((v) =>
                  v === null ? null : `${formatNumber(v)}${v === m.best && c.runs.length > 1 ? " <" : ""}`,
                ),
              ]),
            ),
          );
        }
      });
    });

  runs
    .command("export")
    .description(
      "Write runs and registered models in MLflow's file-store layout (mlflow ui --backend-store-uri DIR)",
    )
    .requiredOption("--mlflow-file-store <dir>", "folder to create (e.g. ./mlflow-export)")
    .option("--experiment <names...>", "only these experiments")
    .option("--overwrite", "replace the folder when it exists")
    .option("--tracking-uri <uri>", URI_HELP)
    .option("--json", "print a JSON summary")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const progress = createProgress(opts);
      await withTracker(opts.trackingUri, async (t) => {
        const summary = await exportMlflowFileStore(t, resolve(opts.mlflowFileStore), {
          experiments: opts.experiment,
          overwrite: opts.overwrite,
          onProgress: (done, total) => progress.update({ phase: "export runs", done, total }),
        });
        progress.stop();
        if (opts.json) return print(JSON.stringify(summary));
        print(
          `exported ${summary.runs} runs in ${summary.experiments} experiments (${summary.metricPoints} metric points, ` +
            `${summary.artifactFiles} artifact files) and ${summary.modelVersions} versions of ${summary.registeredModels} registered models to ${summary.dir}`,
        );
        print(`view with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${summary.dir}`);
      });
    });
}
