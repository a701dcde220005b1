// The experiment-tracking contract. Training, evaluation, the pipeline and tuning log through a
// `Tracker`; where the data goes is decided once, by `openTracker(uri)` (see ./open.ts): the embedded
// SQLite store under ./mlruns by default, or an MLflow tracking server when MLFLOW_TRACKING_URI is
// http(s)://. The names and semantics follow MLflow's (runs, params, metrics with step and timestamp,
// tags, artifacts, registered models, aliases) so exports and the REST client map one to one.

/** MLflow's run lifecycle. A run is RUNNING until `end()`; a crashed process's run becomes FAILED. */
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export const TERMINAL_STATUSES: readonly RunStatus[] = ["FINISHED", "FAILED", "KILLED"];

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: "active" | "deleted";
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface MetricPoint {
  key: string;
  value: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  step: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  /** ms since epoch. */
  startTime: number;
  endTime: number | null;
  userId: string;
  artifactUri: string;
  lifecycleStage: "active" | "deleted";
}

export interface RunData {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value of each metric: the point with the highest (step, timestamp, value), as MLflow shows it. */
  metrics: Record<string, MetricPoint>;
}

export interface StartRunOptions {
  /** Experiment name; created when missing. Default "Default". */
  experiment?: string;
  name?: string;
  params?: Record<string, unknown>;
  tags?: Record<string, string>;
  /** Makes this a child run (MLflow tag mlflow.parentRunId), e.g. one trial of a search. */
  parentRunId?: string;
}

export interface SearchRunsOptions {
  experimentNames?: string[];
  /** Only children of this run. */
  parentRunId?: string;
  status?: RunStatus;
  /** Newest first; default 1000. */
  maxResults?: number;
}

/** A run being written. Metric/param/tag calls are synchronous so they can sit in progress callbacks;
 *  stores that talk to a server buffer them and `flush()`/`end()` deliver them (and report failures). */
export interface ActiveRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly artifactUri: string;
  logMetric(key: string, value: number, step?: number, timestamp?: number): void;
  logMetrics(metrics: Record<string, number>, step?: number): void;
  /** Params are immutable: re-logging a key with a different value throws. Values are stringified. */
  logParam(key: string, value: unknown): void;
  logParams(params: Record<string, unknown>): void;
  setTag(key: string, value: string): void;
  setTags(tags: Record<string, string>): void;
  /** Copy a file or folder into the run's artifacts (under `artifactPath` when given), atomically. */
  logArtifact(localPath: string, artifactPath?: string): Promise<void>;
  /** Write `text` as the artifact `artifactFile` (e.g. "eval/report.json"). */
  logText(text: string, artifactFile: string): Promise<void>;
  /** Local path of an artifact when the store keeps artifacts on this machine, else undefined. */
  localArtifactPath(artifactPath?: string): string | undefined;
  flush(): Promise<void>;
  end(status?: Exclude<RunStatus, "RUNNING" | "SCHEDULED">): Promise<void>;
}

export interface RegisteredModel {
  name: string;
  description: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  tags: Record<string, string>;
  /** alias -> version */
  aliases: Record<string, number>;
  latestVersion: number | null;
}

export type ModelVersionStage = "None" | "Staging" | "Production" | "Archived";

export interface ModelVersion {
  name: string;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  runId: string | null;
  /** Model URI as registered (runs:/<run>/<path>, file path, ...). */
  source: string;
  /** Where the model file actually is; a local path for the embedded store. */
  storageLocation: string | null;
  status: "READY" | "PENDING_REGISTRATION" | "FAILED_REGISTRATION";
  currentStage: ModelVersionStage;
  tags: Record<string, string>;
  aliases: string[];
}

export interface CreateModelVersionOptions {
  name: string;
  source: string;
  runId?: string;
  description?: string;
  tags?: Record<string, string>;
  /** Local path of the model when the store keeps it on this machine (the embedded store does). */
  storageLocation?: string;
}

/** Registered models, versions and aliases (MLflow's model registry). */
export interface ModelRegistry {
  /** Idempotent: returns the existing model when the name is taken. */
  createRegisteredModel(name: string, description?: string): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel | undefined>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  listModelVersions(name: string): Promise<ModelVersion[]>;
  setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void>;
  /** Point `alias` at `version` (moving it from any other version). */
  setAlias(name: string, alias: string, version: number): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined>;
}

export interface Tracker {
  /** Normalised URI of the store, e.g. "sqlite:///abs/mlruns/mlruns.db" or "http://host:5000". */
  readonly uri: string;
  readonly registry: ModelRegistry;
  startRun(options?: StartRunOptions): Promise<ActiveRun>;
  getOrCreateExperiment(name: string): Promise<Experiment>;
  listExperiments(): Promise<Experiment[]>;
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  searchRuns(options?: SearchRunsOptions): Promise<RunData[]>;
  getRun(runId: string): Promise<RunData | undefined>;
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  /** Copy a file into an existing run's artifacts (also after it ended), e.g. a model being registered. */
  logRunArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void>;
  /** A local copy of a run artifact: the file itself for the embedded store, a download for a server. */
  fetchRunArtifact(runId: string, artifactPath: string): Promise<string>;
  close(): Promise<void>;
}

/** MLflow's reserved tag keys that this project writes. */
export const MLFLOW_TAGS = {
  runName: "mlflow.runName",
  parentRunId: "mlflow.parentRunId",
  user: "mlflow.user",
  sourceName: "mlflow.source.name",
  sourceType: "mlflow.source.type",
  gitCommit: "mlflow.source.git.commit",
  note: "mlflow.note.content",
} as const;

/** Params are strings in MLflow; objects are stored as JSON so they round-trip. */
export function paramToString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}

/**
 * Run `body` inside a run: FINISHED when it resolves, FAILED (with the error as a tag) when it throws,
 * and the error is rethrown.
 * @example
 *   await withRun(tracker, { experiment: "imdb", name: "nblr" }, async (run) => { run.logMetric("acc", 0.9) });
 */
export async function withRun<T>(
  tracker: Tracker,
  options: StartRunOptions,
  body: (run: ActiveRun) => Promise<T>,
): Promise<T> {
  const run = await tracker.startRun(options);
  try {
    const result = await body(run);
    await run.end("FINISHED");
    return result;
  } catch (err) {
    const aborted = (err as Error)?.name === "AbortError";
    try {
      run.setTag("error", String((err as Error)?.message ?? err).slice(0, 4000));
      await run.end(aborted ? "KILLED" : "FAILED");
    } catch {
      // The original error matters more than a failure to record it.
    }
    throw err;
  }
}
