// Model steps: train a candidate on the split's training part (its own validation split is carved
// inside, by movie) as a tracked child run of the pipeline run, then evaluate it on the holdout.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { evaluateModel, summaryMetrics } from "../../eval/evaluate.ts";
import { writeReport } from "../../eval/report.ts";
import { loadModel, PROJECT_ROOT } from "../../models/registry.ts";
import type { Tracker } from "../../track/tracker.ts";
import { trainTracked } from "../../track/trainRun.ts";
import { resolveConfig } from "../../train/train.ts";
import type { PipelineConfig } from "../config.ts";
import type { StepDefinition } from "../engine.ts";
import { readReviews } from "../reviewsFile.ts";

export const MODEL_FILE = "model.sentiment";

/** Source the trained model depends on: the trainer, the shared model code and this family's folder. */
function trainCode(config: PipelineConfig["train"]): string[] {
  const family = resolveConfig(config).family;
  const familyDir = `src/models/${family}`;
  return [
    "src/pipeline/steps/model.ts",
    "src/train",
    "src/text",
    "src/data/split.ts",
    "src/models/model.ts",
    "src/models/modelFile.ts",
    "src/models/calibration.ts",
    ...(existsSync(join(PROJECT_ROOT, familyDir)) ? [familyDir] : ["src/models"]),
  ].filter((p) => existsSync(join(PROJECT_ROOT, p)));
}

export function trainStep(
  tracker: Tracker,
  experiment: string,
  config: PipelineConfig["train"],
): StepDefinition<PipelineConfig["train"]> {
  return {
    name: "train",
    inputs: ["split"],
    code: trainCode(config),
    async run({ config, inputs, outDir, run, log, signal }) {
      const reviews = await readReviews(join(inputs.split.dir, "train.jsonl"));
      let lastPhase = "";
      const { result, runId } = await trainTracked({
        tracker,
        family: config.family,
        preset: config.preset,
        hyperparameters: config.hyperparameters,
        seed: config.seed,
        validationFraction: config.validationFraction,
        reviews,
        signal,
        out: join(outDir, MODEL_FILE),
        run: { experiment, name: "pipeline-train", parentRunId: run?.runId },
        onProgress: (e) => {
          if (e.phase !== lastPhase) log(e.phase);
          lastPhase = e.phase;
        },
      });
      const meta = result.model.metadata();
      log(`trained ${meta.family} ${meta.id} in ${result.seconds.toFixed(1)} s (run ${runId.slice(0, 8)})`);
      return {
        runId,
        modelId: meta.id,
        family: result.family,
        metrics: result.metrics,
        seconds: result.seconds,
      };
    },
  };
}

export const evaluateStep: StepDefinition<PipelineConfig["evaluate"]> = {
  name: "evaluate",
  inputs: ["train", "split"],
  code: ["src/pipeline/steps/model.ts", "src/eval"],
  async run({ config, inputs, outDir, run, log, signal }) {
    const holdout = await readReviews(join(inputs.split.dir, "holdout.jsonl"));
    const model = await loadModel(join(inputs.train.dir, MODEL_FILE));
    const report = await evaluateModel(model, holdout, {
      dataset: {
        name: "pipeline holdout (movies held out of IMDb train)",
        split: "holdout",
        sha256: inputs.split.key,
      },
      robustness: config.robustness,
      signal,
    });
    await writeReport(report, outDir);
    const metrics = summaryMetrics(report);
    if (run) {
      for (const [k, v] of Object.entries(metrics))
        if (typeof v === "number") run.logMetric(`candidate.${k}`, v);
      await run.logArtifact(outDir, "evaluation");
    }
    log(`holdout accuracy ${(report.metrics.accuracy.value * 100).toFixed(2)}% on ${report.n} reviews`);
    return { metrics };
  },
};
