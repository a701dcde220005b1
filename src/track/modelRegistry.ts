// The model registry as the product uses it: register a model file as a new version (copied into its
// run's artifacts, with a model card), promote a version to an alias ("production", "staging"),
// resolve an alias to a model file (what the server serves), and tell a running server to hot-swap.
// Works on any Tracker (embedded store or MLflow server) through the ModelRegistry interface.
import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { ModelMetadata } from "../models/model.ts";
import { isModelFile, readModelMetadata } from "../models/modelFile.ts";
import { ModelFileError, UserError } from "../util/errors.ts";
import { openTracker } from "./open.ts";
import { type ModelVersion, paramToString, type Tracker } from "./tracker.ts";

/** The registered model the CLI, pipeline and server use when no name is given. */
export const DEFAULT_MODEL_NAME = "imdb-sentiment";
export const PRODUCTION = "production";
export const STAGING = "staging";
/** Run artifact folder a registered model file is copied into. */
export const MODEL_ARTIFACT_DIR = "model";
const REGISTRY_EXPERIMENT = "model-registry";

export interface ModelCard {
  name: string;
  version: number;
  family: string | null;
  modelId: string | null;
  createdAt: string | null;
  metrics: Record<string, number>;
  hyperparameters: Record<string, unknown>;
  dataSha256: string | null;
  lineage: {
    runId: string | null;
    experimentId: string | null;
    source: string;
    gitCommit: string | null;
    parentRunId: string | null;
    pipelineRunId: string | null;
    /** Pipeline artifact lineage when registered by `sentiment pipeline run`. */
    pipeline: unknown;
  };
  aliases: string[];
}

export interface RegisterOptions {
  name?: string;
  /** A model file (the project's container format). */
  modelPath: string;
  /** Run that produced it; when absent a registration run is created from the file's metadata. */
  runId?: string;
  description?: string;
  tags?: Record<string, string>;
}

function readMetadataOrThrow(path: string): ModelMetadata {
  if (!existsSync(path) || !statSync(path).isFile()) throw new UserError(`model file not found: ${path}`);
  if (!isModelFile(path))
    throw new ModelFileError(`${path} is not a sentiment model file; only model files can be registered`);
  return readModelMetadata(path); // verifies the checksum: a truncated file is never registered
}

/**
 * Register `modelPath` as the next version of `name`. The file is copied into the run's artifacts
 * under model/, so the version stays valid when the original is deleted or overwritten.
 * @example const v = await registerModel(tracker, { modelPath: "models/model.sentiment", runId });
 *   // v.version === 1, v.source === "runs:/<runId>/model/model.sentiment"
 */
export async function registerModel(tracker: Tracker, options: RegisterOptions): Promise<ModelVersion> {
  const name = options.name ?? DEFAULT_MODEL_NAME;
  const meta = readMetadataOrThrow(options.modelPath);
  let runId = options.runId;
  if (runId) {
    const run = await tracker.getRun(runId);
    if (!run) throw new UserError(`run ${runId} does not exist in ${tracker.uri}`);
    if (run.info.status === "FAILED" || run.info.status === "KILLED") {
      throw new UserError(
        `run ${runId} ${run.info.status.toLowerCase()}; a model from an unfinished run is not registered`,
      );
    }
  } else {
    const run = await tracker.startRun({
      experiment: REGISTRY_EXPERIMENT,
      name: `register-${basename(options.modelPath)}`,
      params: Object.fromEntries(Object.entries(meta.hyperparameters).map(([k, v]) => [k, paramToString(v)])),
      tags: {
        family: meta.family,
        "model.id": meta.id,
        ...(meta.dataSha256 ? { "dataset.sha256": meta.dataSha256 } : {}),
      },
    });
    for (const [k, v] of Object.entries(meta.metrics)) if (typeof v === "number") run.logMetric(k, v);
    await run.end("FINISHED");
    runId = run.runId;
  }
  const file = basename(options.modelPath);
  await tracker.logRunArtifact(runId, options.modelPath, MODEL_ARTIFACT_DIR);
  const artifact = `${MODEL_ARTIFACT_DIR}/${file}`;
  const run = (await tracker.getRun(runId))!;
  const storage =
    run.info.artifactUri && existsSync(run.info.artifactUri)
      ? `${run.info.artifactUri}/${artifact}`
      : undefined;
  const tags: Record<string, string> = {
    family: meta.family,
    "model.id": meta.id,
    ...(meta.dataSha256 ? { "dataset.sha256": meta.dataSha256 } : {}),
    ...Object.fromEntries(
      Object.entries(meta.metrics)
        .filter(([, v]) => typeof v === "number")
        .map(([k, v]) => [`metric.${k}`, String(v)]),
    ),
    ...(options.tags ?? {}),
  };
  return tracker.registry.createModelVersion({
    name,
    source: `runs:/${runId}/${artifact}`,
    runId,
    description: options.description,
    tags,
    storageLocation: storage,
  });
}

/** A local path to the model file of a version (downloaded when the store is a server). */
export async function modelVersionPath(tracker: Tracker, version: ModelVersion): Promise<string> {
  if (version.storageLocation && existsSync(version.storageLocation)) return version.storageLocation;
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(version.source);
  if (runs) return tracker.fetchRunArtifact(runs[1], runs[2]);
  if (existsSync(version.source)) return version.source;
  throw new ModelFileError(
    `model ${version.name} version ${version.version}: its file (${version.source}) is not available`,
  );
}

/** Parse "name@alias", "name@3", "name" (-> production) or "@alias" (-> default name). */
export function parseModelRef(ref: string): { name: string; alias?: string; version?: number } {
  const at = ref.lastIndexOf("@");
  const name = (at >= 0 ? ref.slice(0, at) : ref) || DEFAULT_MODEL_NAME;
  const selector = at >= 0 ? ref.slice(at + 1) : PRODUCTION;
  if (/^v?\d+$/.test(selector)) return { name, version: Number(selector.replace(/^v/, "")) };
  return { name, alias: selector };
}

/** Find a version by "name@alias" / "name@3". @throws UserError when it does not exist. */
export async function findVersion(tracker: Tracker, ref: string): Promise<ModelVersion> {
  const { name, alias, version } = parseModelRef(ref);
  const found =
    version !== undefined
      ? await tracker.registry.getModelVersion(name, version)
      : await tracker.registry.getVersionByAlias(name, alias!);
  if (!found) {
    const model = await tracker.registry.getRegisteredModel(name);
    if (!model)
      throw new UserError(
        `no registered model "${name}" in ${tracker.uri}; register one with "sentiment models register"`,
      );
    throw new UserError(
      version !== undefined
        ? `model "${name}" has no version ${version} (latest: ${model.latestVersion ?? "none"})`
        : `model "${name}" has no alias "${alias}" (aliases: ${Object.keys(model.aliases).join(", ") || "none"})`,
    );
  }
  return found;
}

/**
 * The model file that `name@alias` points at, for the server: `resolveAlias("imdb-sentiment", "production")`.
 * Opens the tracker from `trackingUri` (default $MLFLOW_TRACKING_URI or ./mlruns) and closes it again.
 * @throws UserError when the model or alias does not exist; ModelFileError when the file is missing or corrupt.
 */
export async function resolveAlias(
  name = DEFAULT_MODEL_NAME,
  alias = PRODUCTION,
  trackingUri?: string,
): Promise<{ path: string; version: ModelVersion }> {
  const tracker = await openTracker(trackingUri);
  try {
    const version = await findVersion(tracker, `${name}@${alias}`);
    const path = await modelVersionPath(tracker, version);
    readMetadataOrThrow(path);
    return { path, version };
  } finally {
    await tracker.close();
  }
}

export interface PromoteResult {
  version: ModelVersion;
  previous: number | null;
  notified?: { url: string; ok: boolean; status?: number; message?: string };
}

/**
 * Point `alias` at `version` after checking its model file is complete (checksum), then optionally
 * ask a running server to activate it (POST <serverUrl>/v1/models/<name>@<alias>/activate).
 */
export async function promoteModel(
  tracker: Tracker,
  name: string,
  version: number,
  options: { alias?: string; serverUrl?: string; apiKey?: string } = {},
): Promise<PromoteResult> {
  const alias = options.alias ?? PRODUCTION;
  const target = await findVersion(tracker, `${name}@${version}`);
  if (target.status !== "READY")
    throw new UserError(`model ${name} version ${version} is ${target.status}, not READY`);
  readMetadataOrThrow(await modelVersionPath(tracker, target)); // never promote a half-written file
  const previous = (await tracker.registry.getVersionByAlias(name, alias))?.version ?? null;
  await tracker.registry.setAlias(name, alias, version);
  const result: PromoteResult = {
    version: (await tracker.registry.getModelVersion(name, version))!,
    previous,
  };
  if (options.serverUrl)
    result.notified = await notifyServer(options.serverUrl, `${name}@${alias}`, options.apiKey);
  return result;
}

/**
 * Hot-swap hook: ask the server at `serverUrl` to activate model `id` (issue 3's
 * POST /v1/models/{id}/activate). Never throws: a server that is down must not undo a promotion.
 */
export async function notifyServer(
  serverUrl: string,
  id: string,
  apiKey = process.env.SENTIMENT_API_KEY,
): Promise<{ url: string; ok: boolean; status?: number; message?: string }> {
  const url = `${serverUrl.replace(/\/+$/, "")}/v1/models/${encodeURIComponent(id)}/activate`;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...(apiKey ? { "x-api-key": apiKey } : {}) },
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    return { url, ok: res.ok, status: res.status, message: res.ok ? undefined : message };
  } catch (err) {
    return { url, ok: false, message: (err as Error).message };
  }
}

/** Everything known about a version, joined from the registry and its run. */
export async function modelCard(tracker: Tracker, name: string, version: number): Promise<ModelCard> {
  const v = await findVersion(tracker, `${name}@${version}`);
  const run = v.runId ? await tracker.getRun(v.runId) : undefined;
  let meta: ModelMetadata | undefined;
  try {
    meta = readModelMetadata(await modelVersionPath(tracker, v));
  } catch {
    meta = undefined; // the card still shows what the registry and run know
  }
  const runMetrics = Object.fromEntries(Object.entries(run?.metrics ?? {}).map(([k, m]) => [k, m.value]));
  let pipeline: unknown = null;
  // Registered by the pipeline: its run (not the training run) holds the lineage of every step.
  const pipelineRun = v.tags["pipeline.run_id"] ? await tracker.getRun(v.tags["pipeline.run_id"]) : undefined;
  const lineage = pipelineRun?.tags["pipeline.lineage"] ?? run?.tags["pipeline.lineage"];
  if (lineage) {
    try {
      pipeline = JSON.parse(lineage);
    } catch {
      pipeline = lineage;
    }
  }
  return {
    name,
    version,
    family: meta?.family ?? v.tags.family ?? null,
    modelId: meta?.id ?? v.tags["model.id"] ?? null,
    createdAt: meta?.createdAt ?? null,
    metrics: { ...(meta?.metrics ?? {}), ...runMetrics },
    hyperparameters: meta?.hyperparameters ?? run?.params ?? {},
    dataSha256: meta?.dataSha256 ?? v.tags["dataset.sha256"] ?? run?.tags["dataset.sha256"] ?? null,
    lineage: {
      runId: v.runId,
      experimentId: run?.info.experimentId ?? null,
      source: v.source,
      gitCommit: run?.tags["mlflow.source.git.commit"] ?? null,
      parentRunId: run?.tags["mlflow.parentRunId"] ?? null,
      pipelineRunId: pipelineRun?.info.runId ?? null,
      pipeline,
    },
    aliases: v.aliases,
  };
}
