import { resolve } from "node:path";
import type { Command } from "commander";
import type { ProgressEvent } from "../../models/model.ts";
import { openTracker } from "../../track/open.ts";
import { trainTracked } from "../../track/trainRun.ts";
import { presetNames } from "../../train/presets.ts";
import { type TrainResult, trainModel } from "../../train/train.ts";
import { UserError } from "../../util/errors.ts";
import { jsonObject } from "../options.ts";
import { createProgress } from "../progress.ts";

export function register(program: Command): void {
  program
    .command("train")
    .description("Train a model on IMDb train (validation carved from train, disjoint by movie) and save it")
    .option("--family <name>", "model family (default: the preset's)")
    .option("--model <name>", "same as --family (e.g. --model distilbert)")
    .option("--init <folder|hub id>", "checkpoint to start from (families that fine-tune, e.g. distilbert)")
    .option("--unlabeled", "also read the 50,000 unlabeled IMDb reviews (e.g. transformer MLM pre-training)")
    .option("--preset <name>", `named configuration (${presetNames().join(", ")})`)
    .option("--params <json>", "hyperparameters as JSON, merged over the preset's")
    .option("--data <path>", "IMDb archive or folder (default: $SENTIMENT_DATA, ../shared/data, cache)")
    .option("--out <file>", "where to write the model", "models/model.sentiment")
    .option("--seed <n>", "random seed", "0")
    .option(
      "--validation-fraction <f>",
      "share of train held out (by movie) for selection/calibration",
      "0.2",
    )
    .option("--json", "print one JSON object with the fit metrics")
    .option("--quiet", "no progress output")
    .option("--experiment <name>", "tracking experiment", "train")
    .option("--run-name <name>", "tracking run name")
    .option("--tracking-uri <uri>", "tracking store (default: $MLFLOW_TRACKING_URI, else ./mlruns)")
    .option("--no-track", "do not record the run in the experiment tracker")
    .action(async (opts) => {
      const progress = createProgress(opts);
      const out = resolve(opts.out);
      if (opts.family && opts.model && opts.family !== opts.model) {
        throw new UserError(`--family ${opts.family} and --model ${opts.model} disagree; give one`);
      }
      const params = jsonObject(opts.params, "--params");
      const trainOptions = {
        family: opts.family ?? opts.model,
        preset: opts.preset,
        hyperparameters: opts.init ? { ...params, init: opts.init } : params,
        dataPath: opts.data,
        unlabeled: opts.unlabeled ? true : undefined,
        seed: Number(opts.seed),
        validationFraction: Number(opts.validationFraction),
        onProgress: (e: ProgressEvent) => progress.update(e),
      };
      // Tracked by default (params, per-step metrics, dataset sha256, model artifact); see src/track.
      let runId: string | undefined;
      let result: TrainResult;
      if (opts.track) {
        const tracker = await openTracker(opts.trackingUri);
        try {
          const tracked = await trainTracked({
            ...trainOptions,
            tracker,
            out,
            run: { experiment: opts.experiment, name: opts.runName },
          });
          result = tracked.result;
          runId = tracked.runId;
        } finally {
          await tracker.close();
        }
      } else {
        result = await trainModel(trainOptions);
        await result.model.save(out);
      }
      progress.stop();
      const summary = {
        model: out,
        id: result.model.metadata().id,
        seconds: result.seconds,
        ...(runId ? { runId } : {}),
        ...result.metrics,
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (!opts.quiet) {
        process.stdout.write(`saved ${out} (${summary.id}) in ${result.seconds.toFixed(1)} s\n`);
        if (runId)
          process.stdout.write(`tracked as run ${runId} (sentiment runs show ${runId.slice(0, 8)})\n`);
        for (const [k, v] of Object.entries(result.metrics)) process.stdout.write(`  ${k}: ${v}\n`);
      }
    });
}
