// Exports runs and the model registry into MLflow's local file-store layout (the `./mlruns` folder
// MLflow reads with `MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri DIR`), following
// ../shared/docs/mlflow-filestore-layout.md: meta.yaml written as PyYAML writes it, one file per param
// and tag (exact value, no newline), metric files of "<ts_ms> <python float> <step>" lines, artifacts
// copied, registered models under models/. The tree is built in a temporary folder and renamed into
// place, so a failed export never leaves a half-written store.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../util/errors.ts";
import { dumpYaml, pythonFloat } from "./pyyaml.ts";
import type { Experiment, ModelVersion, RunData, RunStatus, Tracker } from "./tracker.ts";

/** MLflow's RunStatus protobuf enum, stored as an int in meta.yaml. */
const STATUS_CODE: Record<RunStatus, number> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};
/** SourceType.LOCAL, the legacy constant MLflow writes into every run's meta.yaml. */
const SOURCE_TYPE_LOCAL = 4;
const RESERVED_RUN_IDS = new Set(["tags", "datasets", "traces", "models"]);

export interface ExportOptions {
  /** Only these experiments (by name); default all. */
  experiments?: string[];
  /** Replace `dir` when it exists. */
  overwrite?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportSummary {
  dir: string;
  experiments: number;
  runs: number;
  metricPoints: number;
  artifactFiles: number;
  registeredModels: number;
  modelVersions: number;
}

/** Write `value` to `<dir>/<key>` where `/` in the key makes subfolders; no trailing newline. */
async function writeKeyFile(dir: string, key: string, value: string): Promise<void> {
  const path = join(dir, ...key.split("/"));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, value, "utf8");
}

function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  }
  return n;
}

export async function exportMlflowFileStore(
  tracker: Tracker,
  dir: string,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const target = resolve(dir);
  if (target.split(sep).includes("artifacts")) {
    // MLflow skips runs whose path has a component named "artifacts" above them (spec §4).
    throw new UserError(
      `cannot export to ${target}: MLflow ignores runs stored under a folder named "artifacts"`,
    );
  }
  if (existsSync(target) && readdirSync(target).length > 0 && !options.overwrite) {
    throw new UserError(`${target} already exists and is not empty; pass --overwrite to replace it`);
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const summary: ExportSummary = {
    dir: target,
    experiments: 0,
    runs: 0,
    metricPoints: 0,
    artifactFiles: 0,
    registeredModels: 0,
    modelVersions: 0,
  };
  // URIs inside meta.yaml must name the final location, not the temporary one.
  const final = (p: string) => join(target, relative(tmp, p));
  try {
    await mkdir(join(tmp, ".trash"), { recursive: true });
    let experiments = await tracker.listExperiments();
    if (options.experiments?.length) {
      const wanted = new Set(options.experiments);
      const missing = options.experiments.filter((n) => !experiments.some((e) => e.name === n));
      if (missing.length)
        throw new UserError(`no experiment named ${missing.map((m) => `"${m}"`).join(", ")}`);
      experiments = experiments.filter((e) => wanted.has(e.name) || e.experimentId === "0");
    }
    const runsByExperiment = new Map<string, RunData[]>();
    for (const e of experiments) {
      runsByExperiment.set(
        e.experimentId,
        (await tracker.searchRuns({ experimentNames: [e.name], maxResults: 1_000_000 })).reverse(),
      );
    }
    const total = [...runsByExperiment.values()].reduce((n, r) => n + r.length, 0);
    const runArtifacts = new Map<string, string>(); // run id -> exported artifacts folder
    for (const e of experiments) {
      const expDir = join(tmp, e.experimentId);
      await writeExperiment(e, expDir, final(expDir));
      summary.experiments++;
      for (const run of runsByExperiment.get(e.experimentId) ?? []) {
        if (RESERVED_RUN_IDS.has(run.info.runId)) continue;
        const runDir = join(expDir, run.info.runId);
        const { points, files } = await writeRun(tracker, run, runDir, final(runDir));
        runArtifacts.set(run.info.runId, final(join(runDir, "artifacts")));
        summary.runs++;
        summary.metricPoints += points;
        summary.artifactFiles += files;
        options.onProgress?.(summary.runs, total);
      }
    }
    await writeRegistry(tracker, join(tmp, "models"), runArtifacts, summary);
    if (existsSync(target)) await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return summary;
}

async function writeExperiment(e: Experiment, dir: string, finalDir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "meta.yaml"),
    dumpYaml({
      artifact_location: fileUri(finalDir),
      creation_time: e.creationTime,
      experiment_id: e.experimentId,
      last_update_time: e.lastUpdateTime,
      lifecycle_stage: e.lifecycleStage,
      name: e.name,
    }),
  );
  for (const [k, v] of Object.entries(e.tags)) await writeKeyFile(join(dir, "tags"), k, v);
}

async function writeRun(
  tracker: Tracker,
  run: RunData,
  dir: string,
  finalDir: string,
): Promise<{ points: number; files: number }> {
  const i = run.info;
  // MLflow creates all three on create_run; since 3.8 get_run skips run folders missing any of them.
  for (const sub of ["metrics", "params", "artifacts", "tags"])
    await mkdir(join(dir, sub), { recursive: true });
  const meta: Record<string, string | number | null | []> = {
    artifact_uri: fileUri(join(finalDir, "artifacts")),
    end_time: i.endTime,
    entry_point_name: "",
    experiment_id: i.experimentId,
    lifecycle_stage: i.lifecycleStage,
    run_id: i.runId,
    run_name: i.runName,
    run_uuid: i.runId, // required by MLflow 2.x readers, ignored by 3.x
    source_name: "",
    source_type: SOURCE_TYPE_LOCAL,
    source_version: "",
    start_time: i.startTime,
    status: STATUS_CODE[i.status],
    tags: [],
    user_id: i.userId,
  };
  // create_run writes deleted_time: null; MLflow's end-of-run rewrite drops it.
  if (i.status === "RUNNING" || i.status === "SCHEDULED") meta.deleted_time = null;
  await writeFile(join(dir, "meta.yaml"), dumpYaml(meta));
  for (const [k, v] of Object.entries(run.params)) await writeKeyFile(join(dir, "params"), k, v);
  const tags = { ...run.tags, "mlflow.runName": run.tags["mlflow.runName"] ?? i.runName };
  for (const [k, v] of Object.entries(tags)) await writeKeyFile(join(dir, "tags"), k, v);
  let points = 0;
  for (const key of Object.keys(run.metrics)) {
    const history = await tracker.getMetricHistory(i.runId, key);
    const lines = history.map((p) => `${p.timestamp} ${pythonFloat(p.value)} ${p.step}\n`).join("");
    await writeKeyFile(join(dir, "metrics"), key, lines);
    points += history.length;
  }
  let files = 0;
  if (i.artifactUri && existsSync(i.artifactUri)) {
    await cp(i.artifactUri, join(dir, "artifacts"), { recursive: true });
    files = countFiles(join(dir, "artifacts"));
  }
  return { points, files };
}

async function writeRegistry(
  tracker: Tracker,
  dir: string,
  runArtifacts: Map<string, string>,
  summary: ExportSummary,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const model of await tracker.registry.listRegisteredModels()) {
    const modelDir = join(dir, model.name);
    await mkdir(modelDir, { recursive: true });
    await writeFile(
      join(modelDir, "meta.yaml"),
      dumpYaml({
        aliases: Object.fromEntries(Object.entries(model.aliases).map(([a, v]) => [a, String(v)])),
        creation_timestamp: model.creationTimestamp,
        deployment_job_id: null,
        deployment_job_state: null,
        description: model.description,
        last_updated_timestamp: model.lastUpdatedTimestamp,
        name: model.name,
      }),
    );
    for (const [k, v] of Object.entries(model.tags)) await writeKeyFile(join(modelDir, "tags"), k, v);
    for (const [alias, version] of Object.entries(model.aliases)) {
      await writeKeyFile(join(modelDir, "aliases"), alias, String(version));
    }
    summary.registeredModels++;
    for (const v of await tracker.registry.listModelVersions(model.name)) {
      await writeVersion(v, join(modelDir, `version-${v.version}`), runArtifacts);
      summary.modelVersions++;
    }
  }
}

/** Where the exported copy of a version's model file is: inside its run's exported artifacts when it came from there. */
function exportedLocation(v: ModelVersion, runArtifacts: Map<string, string>): string | null {
  const runs = /^runs:\/([^/]+)\/(.*)$/.exec(v.source);
  if (runs && runArtifacts.has(runs[1])) return fileUri(join(runArtifacts.get(runs[1])!, runs[2]));
  if (v.storageLocation) return fileUri(v.storageLocation);
  return null;
}

async function writeVersion(v: ModelVersion, dir: string, runArtifacts: Map<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const storage = exportedLocation(v, runArtifacts);
  await writeFile(
    join(dir, "meta.yaml"),
    dumpYaml({
      creation_timestamp: v.creationTimestamp,
      current_stage: v.currentStage,
      deployment_job_state: null,
      description: v.description,
      last_updated_timestamp: v.lastUpdatedTimestamp,
      model_id: null,
      name: v.name,
      run_id: v.runId,
      run_link: null,
      source: v.source,
      status: v.status,
      status_message: null,
      storage_location: storage,
      user_id: null,
      version: v.version,
    }),
  );
  for (const [k, val] of Object.entries(v.tags)) await writeKeyFile(join(dir, "tags"), k, val);
}
