// Training with experiment tracking: one run per training, holding the resolved configuration as
// params, per-step/per-epoch metrics from the trainer (onMetric) and its progress events, the fit
// metrics, the dataset digest and the saved model as an artifact. Used by `sentiment train`, the
// pipeline, tuning and cross-validation.
import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { ProgressEvent } from "../models/model.ts";
import { resolveConfig, type TrainOptions, type TrainResult, trainModel } from "../train/train.ts";
import { MODEL_ARTIFACT_DIR } from "./modelRegistry.ts";
import type { ActiveRun, StartRunOptions, Tracker } from "./tracker.ts";

/** Trainers may name metrics freely ("val_accuracy_C=0.3"); MLflow keys allow only [/\w.\- :]. */
export function metricKey(name: string): string {
  const cleaned = name
    .replace(/[^/\w.\- :]/g, "_")
    .replace(/\/{2,}/g, "/")
    .replace(/^[/.]+/, "");
  return cleaned || "metric";
}

/** Log every numeric entry as a metric under a clean key; other values are skipped. */
export function logNumbers(run: ActiveRun, metrics: Record<string, unknown>, step = 0, prefix = ""): void {
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v === "number") run.logMetric(metricKey(`${prefix}${k}`), v, step);
  }
}

/** Flatten nested hyperparameters into MLflow params ("ngrams.maxN": "3"); arrays stay JSON. */
export function flattenParams(obj: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const key = metricKey(`${prefix}${k}`);
    if (v !== null && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, flattenParams(v as Record<string, unknown>, `${key}.`));
    else out[key] = v;
  }
  return out;
}

/** Sends trainer callbacks to a run: onMetric as-is, progress-event metrics with the event's `done` as step. */
export function trackingCallbacks(
  run: ActiveRun,
  forward: Pick<TrainOptions, "onProgress" | "onMetric"> = {},
): Pick<TrainOptions, "onProgress" | "onMetric"> {
  return {
    onMetric: (name, value, step) => {
      run.logMetric(metricKey(name), value, step);
      forward.onMetric?.(name, value, step);
    },
    onProgress: (event: ProgressEvent) => {
      // "epoch 2/5" -> "epoch_2_5/loss": one flat prefix per phase, stepped by the event's progress.
      const phase = event.phase.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "progress";
      if (event.metrics) logNumbers(run, event.metrics, event.done, `${phase}/`);
      forward.onProgress?.(event);
    },
  };
}

export interface TrackedTrainOptions extends TrainOptions {
  tracker: Tracker;
  run?: StartRunOptions;
  /** Save the model here and log it as an artifact under model/. */
  out?: string;
}

/**
 * trainModel inside a tracked run. The run ends FINISHED after the model is saved and logged, FAILED
 * if anything throws (the error is rethrown).
 * @example const { result, runId } = await trainTracked({ tracker, preset: "default", out: "models/m.sentiment" });
 */
export async function trainTracked(
  options: TrackedTrainOptions,
): Promise<{ result: TrainResult; runId: string }> {
  const { tracker, run: runOptions, out, ...train } = options;
  // Resolving first also rejects an unknown preset before a run is created for it.
  const { family } = resolveConfig(train);
  const run = await tracker.startRun({
    ...runOptions,
    experiment: runOptions?.experiment ?? "train",
    name: runOptions?.name ?? `train-${family}`,
  });
  try {
    run.logParams({
      preset: train.preset ?? (train.family ? "" : "default"),
      seed: train.seed ?? 0,
      validationFraction: train.validationFraction ?? 0.2,
      ...(train.dataPath ? { data: train.dataPath } : {}),
    });
    const result = await trainModel({ ...train, ...trackingCallbacks(run, train) });
    run.logParams({ family: result.family, ...flattenParams(result.hyperparameters, "hp.") });
    run.setTags({
      family: result.family,
      "model.id": result.model.metadata().id,
      ...(result.dataSha256 ? { "dataset.sha256": result.dataSha256 } : {}),
    });
    logNumbers(run, result.metrics);
    run.logMetrics({
      "split.train_reviews": result.train.length,
      "split.validation_reviews": result.validation.length,
      train_seconds: result.seconds,
    });
    if (out) {
      await result.model.save(out);
      if (existsSync(out)) await run.logArtifact(out, MODEL_ARTIFACT_DIR);
      run.setTag("model.file", basename(out));
    }
    await run.end("FINISHED");
    return { result, runId: run.runId };
  } catch (err) {
    try {
      run.setTag("error", String((err as Error)?.message ?? err).slice(0, 4000));
      await run.end((err as Error)?.name === "AbortError" ? "KILLED" : "FAILED");
    } catch {
      // Recording the failure must not hide the failure itself.
    }
    throw err;
  }
}
