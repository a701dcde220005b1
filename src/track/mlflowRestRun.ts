// One run on an MLflow server. Metrics, params and tags are buffered and sent with runs/log-batch in
// chunks within MLflow's documented limits (1000 metrics, 100 params, 100 tags, 1000 items per
// request), in logging order; a failed delivery is reported by the next flush() or end().
import { readFile, stat } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { UserError } from "../util/errors.ts";
import { listFilesRecursive } from "./artifacts.ts";
import { jsonDouble, type MlflowHttp, parseDouble } from "./mlflowHttp.ts";
import { validateKey, validateMetric, validateParamValue, validateTagValue } from "./names.ts";
import { type ActiveRun, type MetricPoint, paramToString, type RunData, type RunStatus } from "./tracker.ts";

const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_TAGS = 100;
/** Flush automatically once this many metrics are waiting, so long trainings stream their curves. */
const AUTO_FLUSH_METRICS = 500;

export interface RestRunJson {
  info: {
    run_id: string;
    run_uuid?: string;
    experiment_id: string;
    run_name?: string;
    user_id?: string;
    status: RunStatus;
    start_time: number | string;
    end_time?: number | string;
    artifact_uri?: string;
    lifecycle_stage?: "active" | "deleted";
  };
  data?: {
    metrics?: { key: string; value: number | string; timestamp: number | string; step?: number | string }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

export function runFromJson(run: RestRunJson): RunData {
  const i = run.info;
  const metrics: Record<string, MetricPoint> = {};
  for (const m of run.data?.metrics ?? []) {
    metrics[m.key] = {
      key: m.key,
      value: parseDouble(m.value),
      timestamp: Number(m.timestamp),
      step: Number(m.step ?? 0),
    };
  }
  const kv = (list?: { key: string; value: string }[]) =>
    Object.fromEntries((list ?? []).map((p) => [p.key, p.value]));
  return {
    info: {
      runId: i.run_id ?? i.run_uuid,
      experimentId: i.experiment_id,
      runName: i.run_name ?? "",
      status: i.status,
      startTime: Number(i.start_time),
      endTime: i.end_time === undefined || i.end_time === null ? null : Number(i.end_time),
      userId: i.user_id ?? "",
      artifactUri: i.artifact_uri ?? "",
      lifecycleStage: i.lifecycle_stage ?? "active",
    },
    params: kv(run.data?.params),
    tags: kv(run.data?.tags),
    metrics,
  };
}

/**
 * The path under the artifact proxy for a run artifact URI `mlflow-artifacts:/1/<run>/artifacts` or
 * `mlflow-artifacts://host:port/1/<run>/artifacts`. Other schemes (s3://, file://) are written by the
 * client directly in MLflow's Python client; here they are refused with an explanation.
 */
export function proxiedArtifactRoot(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (!m) {
    throw new UserError(
      `this run's artifact location is ${artifactUri}; only artifacts served by the tracking server (mlflow-artifacts:/…, "mlflow server --serve-artifacts", the default) can be uploaded`,
    );
  }
  return m[1].replace(/\/+$/, "");
}

export class MlflowRestRun implements ActiveRun {
  readonly #http: MlflowHttp;
  readonly #metrics: { key: string; value: number | string; timestamp: number; step: number }[] = [];
  readonly #params = new Map<string, string>(); // everything logged so far (params are immutable)
  #pendingParams: { key: string; value: string }[] = [];
  #pendingTags: { key: string; value: string }[] = [];
  #chain: Promise<void> = Promise.resolve();
  #error: Error | undefined;
  #ended = false;

  constructor(
    http: MlflowHttp,
    readonly runId: string,
    readonly experimentId: string,
    readonly artifactUri: string,
  ) {
    this.#http = http;
  }

  #requireOpen(): void {
    if (this.#ended) throw new UserError(`run ${this.runId} has ended; it cannot be written any more`);
  }

  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    this.#requireOpen();
    validateMetric(key, value, step, timestamp);
    this.#metrics.push({ key, value: jsonDouble(value), timestamp, step });
    if (this.#metrics.length >= AUTO_FLUSH_METRICS) void this.#send();
  }

  logMetrics(metrics: Record<string, number>, step = 0): void {
    const timestamp = Date.now();
    for (const [k, v] of Object.entries(metrics)) this.logMetric(k, v, step, timestamp);
  }

  logParam(key: string, value: unknown): void {
    this.logParams({ [key]: value });
  }

  logParams(params: Record<string, unknown>): void {
    this.#requireOpen();
    for (const [key, raw] of Object.entries(params)) {
      validateKey("param", key);
      const value = paramToString(raw);
      validateParamValue(key, value);
      const existing = this.#params.get(key);
      if (existing !== undefined && existing !== value) {
        throw new UserError(
          `param "${key}" of run ${this.runId} is already "${existing}"; params cannot change (tried "${value}")`,
        );
      }
      if (existing === undefined) {
        this.#params.set(key, value);
        this.#pendingParams.push({ key, value });
      }
    }
  }

  /** A single tag goes straight out with runs/set-tag; several at once go in the next log-batch. */
  setTag(key: string, value: string): void {
    this.#requireOpen();
    validateKey("tag", key);
    validateTagValue(key, value);
    void this.#send(); // buffered writes go first, so a later set-tag is never overtaken by an older value
    this.#enqueue(async () => {
      await this.#http.call("POST", "runs/set-tag", { run_id: this.runId, key, value });
    });
  }

  setTags(tags: Record<string, string>): void {
    this.#requireOpen();
    for (const [key, value] of Object.entries(tags)) {
      validateKey("tag", key);
      validateTagValue(key, value);
      this.#pendingTags.push({ key, value });
    }
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(work).catch((err: Error) => {
      this.#error ??= err;
    });
    return this.#chain;
  }

  /** Queue everything buffered so far as log-batch requests, in order. */
  #send(): Promise<void> {
    while (this.#metrics.length || this.#pendingParams.length || this.#pendingTags.length) {
      const params = this.#pendingParams.splice(0, MAX_PARAMS);
      const tags = this.#pendingTags.splice(0, MAX_TAGS);
      const metrics = this.#metrics.splice(0, Math.min(MAX_METRICS, 1000 - params.length - tags.length));
      this.#enqueue(async () => {
        await this.#http.call("POST", "runs/log-batch", { run_id: this.runId, metrics, params, tags });
      });
    }
    return this.#chain;
  }

  async flush(): Promise<void> {
    await this.#send();
    if (this.#error) {
      const err = this.#error;
      this.#error = undefined;
      throw err;
    }
  }

  localArtifactPath(): undefined {
    return undefined;
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.#requireOpen();
    const root = proxiedArtifactRoot(this.artifactUri);
    const info = await stat(localPath).catch(() => undefined);
    if (!info) throw new UserError(`cannot log artifact: ${localPath} does not exist`);
    if (info.isDirectory()) {
      const dest = artifactPath ?? basename(localPath);
      for (const rel of await listFilesRecursive(localPath)) {
        await this.#http.putArtifact(posix.join(root, dest, rel), await readFile(join(localPath, rel)));
      }
    } else {
      await this.#http.putArtifact(
        posix.join(root, artifactPath ?? "", basename(localPath)),
        await readFile(localPath),
      );
    }
  }

  async logText(text: string, artifactFile: string): Promise<void> {
    this.#requireOpen();
    await this.#http.putArtifact(
      posix.join(proxiedArtifactRoot(this.artifactUri), artifactFile),
      Buffer.from(text),
    );
  }

  async end(status: Exclude<RunStatus, "RUNNING" | "SCHEDULED"> = "FINISHED"): Promise<void> {
    if (this.#ended) return;
    try {
      await this.flush();
    } finally {
      this.#ended = true;
      // Close the run even when some data failed to arrive, so it does not stay RUNNING forever.
      await this.#http.call("POST", "runs/update", { run_id: this.runId, status, end_time: Date.now() });
    }
  }
}
