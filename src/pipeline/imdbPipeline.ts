// The IMDb training pipeline: ingest -> validate -> preprocess -> split -> train -> evaluate ->
// compare with production -> register + promote if better -> notify a running server. One tracked
// run per execution (experiment "pipeline") holds the config as params, the holdout metrics, the
// decision and the lineage of every step artifact (step, key, inputs, config hash, code version).
import { resolveDataPath } from "../data/paths.ts";
import { openTracker } from "../track/open.ts";
import type { Tracker } from "../track/tracker.ts";
import { flattenParams } from "../track/trainRun.ts";
import type { PipelineConfig } from "./config.ts";
import { type PipelineEvent, runPipeline, type StepDefinition, type StepRecord } from "./engine.ts";
import { ingestStep, preprocessStep, sourceDigest, splitStep, validateStep } from "./steps/data.ts";
import { evaluateStep, trainStep } from "./steps/model.ts";
import { compareStep, notifyStep, registerStep } from "./steps/release.ts";

export interface PipelineResult {
  runId: string;
  records: StepRecord[];
  decision: Record<string, unknown>;
  registered: Record<string, unknown>;
}

export function imdbSteps(tracker: Tracker, config: PipelineConfig): StepDefinition[] {
  const env = { tracker, modelName: config.model, alias: config.register.alias, cacheDir: config.cacheDir };
  return [
    ingestStep,
    validateStep,
    preprocessStep,
    splitStep,
    trainStep(tracker, config.experiment, config.train),
    evaluateStep,
    compareStep(env),
    registerStep(env),
    notifyStep(env),
  ] as StepDefinition[];
}

/** The lineage as stored on the run: what each artifact was made from. */
export function lineage(records: StepRecord[]) {
  return records.map((r) => ({
    step: r.step,
    key: r.key,
    cached: r.cached,
    inputs: r.inputs,
    configHash: r.configHash,
    codeVersion: r.codeVersion.slice(0, 16),
  }));
}

/**
 * Run the pipeline. Opens the tracker from `config.trackingUri` unless one is given.
 * @throws PipelineStepError naming the failing step (the run is then FAILED, or KILLED when aborted)
 */
export async function runImdbPipeline(
  config: PipelineConfig,
  options: { tracker?: Tracker; onEvent?: (e: PipelineEvent) => void; signal?: AbortSignal } = {},
): Promise<PipelineResult> {
  const tracker = options.tracker ?? (await openTracker(config.trackingUri));
  try {
    const dataPath = resolveDataPath(config.ingest.path);
    const stepConfig: Record<string, unknown> = {
      ...config,
      // The data's digest is part of ingest's key: new data means a new artifact.
      ingest: { ...config.ingest, path: dataPath, sourceDigest: await sourceDigest(dataPath) },
    };
    const run = await tracker.startRun({
      experiment: config.experiment,
      name: `pipeline-${config.model}`,
      params: flattenParams({
        ...config,
        cacheDir: undefined,
        trackingUri: undefined,
        ingest: { ...config.ingest, path: dataPath },
      }),
    });
    try {
      const records = await runPipeline({
        steps: imdbSteps(tracker, config),
        config: stepConfig,
        cacheDir: config.cacheDir,
        run,
        onEvent: options.onEvent,
        signal: options.signal,
      });
      const byStep = Object.fromEntries(records.map((r) => [r.step, r]));
      const sha = byStep.ingest.summary.sourceSha256;
      if (typeof sha === "string") run.setTag("dataset.sha256", sha);
      run.setTag("pipeline.lineage", JSON.stringify(lineage(records)));
      await run.logText(`${JSON.stringify({ steps: records }, null, 2)}\n`, "pipeline/lineage.json");
      run.logMetrics({
        "steps.cached": records.filter((r) => r.cached).length,
        "steps.run": records.filter((r) => !r.cached).length,
      });
      await run.end("FINISHED");
      return {
        runId: run.runId,
        records,
        decision: byStep.compare.summary,
        registered: byStep.register.summary,
      };
    } catch (err) {
      try {
        run.setTag("error", String((err as Error).message).slice(0, 4000));
        await run.end(options.signal?.aborted ? "KILLED" : "FAILED");
      } catch {
        // keep the step's error
      }
      throw err;
    }
  } finally {
    if (!options.tracker) await tracker.close();
  }
}
