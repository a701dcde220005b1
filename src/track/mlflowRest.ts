// The Tracker interface over an MLflow tracking server's REST API 2.0, used when MLFLOW_TRACKING_URI is
// http(s)://. Endpoints: experiments/{get-by-name,create,search}, runs/{create,log-batch,update,set-tag,
// get,search}, metrics/get-history, artifacts through /api/2.0/mlflow-artifacts/artifacts/<path>.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { cacheDir } from "../data/paths.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { UserError } from "../util/errors.ts";
import { MlflowApiError, MlflowHttp, parseDouble } from "./mlflowHttp.ts";
import { MlflowRestRegistry } from "./mlflowRestRegistry.ts";
import { MlflowRestRun, proxiedArtifactRoot, type RestRunJson, runFromJson } from "./mlflowRestRun.ts";
import { validateKey } from "./names.ts";
import { currentUser, standardTags } from "./standardTags.ts";
import {
  type ActiveRun,
  type Experiment,
  type MetricPoint,
  MLFLOW_TAGS,
  type RunData,
  type SearchRunsOptions,
  type StartRunOptions,
  type Tracker,
} from "./tracker.ts";

interface ExperimentJson {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: "active" | "deleted";
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: { key: string; value: string }[];
}

function experimentFromJson(e: ExperimentJson): Experiment {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location ?? "",
    lifecycleStage: e.lifecycle_stage ?? "active",
    creationTime: e.creation_time === undefined ? null : Number(e.creation_time),
    lastUpdateTime: e.last_update_time === undefined ? null : Number(e.last_update_time),
    tags: Object.fromEntries((e.tags ?? []).map((t) => [t.key, t.value])),
  };
}

/** Escape a value for MLflow's search filter syntax (single-quoted string). */
function quote(v: string): string {
  return `'${v.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

export class MlflowRestTracker implements Tracker {
  readonly uri: string;
  readonly registry: MlflowRestRegistry;
  readonly http: MlflowHttp;

  constructor(uri: string) {
    this.http = new MlflowHttp(uri);
    this.uri = this.http.base;
    this.registry = new MlflowRestRegistry(this.http);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.http.call<{ experiment: ExperimentJson }>("GET", "experiments/get-by-name", {
        experiment_name: name,
      });
      return experimentFromJson(res.experiment);
    } catch (err) {
      if (err instanceof MlflowApiError && err.errorCode === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw err;
    }
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    const existing = await this.getExperimentByName(name);
    if (existing) return existing;
    try {
      await this.http.call<{ experiment_id: string }>("POST", "experiments/create", { name });
    } catch (err) {
      // Another client created it between our two calls: fine, read it below.
      if (!(err instanceof MlflowApiError && err.errorCode === "RESOURCE_ALREADY_EXISTS")) throw err;
    }
    return (await this.getExperimentByName(name))!;
  }

  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.call<{ experiments?: ExperimentJson[]; next_page_token?: string }>(
        "POST",
        "experiments/search",
        { max_results: 1000, ...(pageToken ? { page_token: pageToken } : {}) },
      );
      out.push(...(res.experiments ?? []).map(experimentFromJson));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    const experiment = await this.getOrCreateExperiment(options.experiment ?? "Default");
    const tags: Record<string, string> = { ...standardTags(), ...(options.tags ?? {}) };
    if (options.parentRunId) tags[MLFLOW_TAGS.parentRunId] = options.parentRunId;
    for (const k of Object.keys(tags)) validateKey("tag", k);
    const res = await this.http.call<{ run: RestRunJson }>("POST", "runs/create", {
      experiment_id: experiment.experimentId,
      user_id: currentUser(),
      ...(options.name ? { run_name: options.name } : {}),
      start_time: Date.now(),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    const info = runFromJson(res.run).info;
    const run = new MlflowRestRun(this.http, info.runId, info.experimentId, info.artifactUri);
    if (options.params) run.logParams(options.params);
    return run;
  }

  async getRun(runId: string): Promise<RunData | undefined> {
    try {
      const res = await this.http.call<{ run: RestRunJson }>("GET", "runs/get", { run_id: runId });
      return runFromJson(res.run);
    } catch (err) {
      if (err instanceof MlflowApiError && err.errorCode === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw err;
    }
  }

  async searchRuns(options: SearchRunsOptions = {}): Promise<RunData[]> {
    const experiments = options.experimentNames?.length
      ? (await Promise.all(options.experimentNames.map((n) => this.getExperimentByName(n)))).filter(
          (e): e is Experiment => e !== undefined,
        )
      : await this.listExperiments();
    if (experiments.length === 0) return [];
    const filters: string[] = [];
    if (options.parentRunId) filters.push(`tags.${MLFLOW_TAGS.parentRunId} = ${quote(options.parentRunId)}`);
    if (options.status) filters.push(`attributes.status = ${quote(options.status)}`);
    const max = options.maxResults ?? 1000;
    const out: RunData[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.call<{ runs?: RestRunJson[]; next_page_token?: string }>(
        "POST",
        "runs/search",
        {
          experiment_ids: experiments.map((e) => e.experimentId),
          filter: filters.join(" and "),
          run_view_type: "ACTIVE_ONLY",
          max_results: Math.min(max - out.length, 1000),
          order_by: ["attributes.start_time DESC"],
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      );
      out.push(...(res.runs ?? []).map(runFromJson));
      pageToken = res.next_page_token || undefined;
    } while (pageToken && out.length < max);
    return out;
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const out: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.call<{
        metrics?: {
          key: string;
          value: number | string;
          timestamp: number | string;
          step?: number | string;
        }[];
        next_page_token?: string;
      }>("GET", "metrics/get-history", { run_id: runId, metric_key: key, page_token: pageToken });
      for (const m of res.metrics ?? []) {
        out.push({
          key: m.key,
          value: parseDouble(m.value),
          timestamp: Number(m.timestamp),
          step: Number(m.step ?? 0),
        });
      }
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  async logRunArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const run = await this.getRun(runId);
    if (!run) throw new UserError(`run ${runId} does not exist on ${this.uri}`);
    const data = await readFile(localPath).catch(() => {
      throw new UserError(`cannot log artifact: ${localPath} is not a readable file`);
    });
    const root = proxiedArtifactRoot(run.info.artifactUri);
    await this.http.putArtifact(posix.join(root, artifactPath ?? "", basename(localPath)), data);
  }

  /** Downloads into the cache (SENTIMENT_CACHE or ~/.cache/imdb-sentiment) under the run id. */
  async fetchRunArtifact(runId: string, artifactPath: string): Promise<string> {
    const run = await this.getRun(runId);
    if (!run) throw new UserError(`run ${runId} does not exist on ${this.uri}`);
    const target = join(cacheDir(), "mlflow-artifacts", runId, ...artifactPath.split("/"));
    if (!existsSync(target)) {
      const bytes = await this.http.getArtifact(
        posix.join(proxiedArtifactRoot(run.info.artifactUri), artifactPath),
      );
      await writeFileAtomic(target, bytes);
    }
    return target;
  }

  async close(): Promise<void> {
    // Stateless HTTP: nothing to release. Runs flush on end().
  }
}
