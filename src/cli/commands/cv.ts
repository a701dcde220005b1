// `sentiment cv -k 5`: k-fold cross-validation on the training reviews (folds of whole movies), every
// metric as mean ± standard deviation.
import type { Command } from "commander";
import { openTracker, trackingUri } from "../../track/open.ts";
import { formatNumber, table } from "../../track/runViews.ts";
import { runCrossValidation } from "../../tune/cv.ts";
import { prepareTrainingData } from "../../tune/data.ts";
import { jsonObject, positiveInt } from "../options.ts";

export function register(program: Command): void {
  program
    .command("cv")
    .description(
      "k-fold cross-validation on IMDb train (folds disjoint by movie): mean ± std of every metric",
    )
    .option("-k, --folds <k>", "number of folds", "5")
    .option("--family <name>", "model family (default: the preset's)")
    .option("--preset <name>", "named configuration")
    .option("--params <json>", "hyperparameter overrides")
    .option("--data <path>", "IMDb archive/folder or labelled table (train split only)")
    .option("--limit <n>", "use a seeded sample of this many reviews (whole movies)")
    .option("--seed <n>", "fold assignment and training seed", "0")
    .option("--parallel <n>", "folds at once, one process each (default: CPU cores)")
    .option("--tracking-uri <uri>", "tracking store (default: $MLFLOW_TRACKING_URI, else ./mlruns)")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const k = positiveInt(opts.folds, "-k")!;
      const uri = trackingUri(opts.trackingUri);
      const data = await prepareTrainingData({
        dataPath: opts.data,
        limit: positiveInt(opts.limit, "--limit"),
        seed: Number(opts.seed),
      });
      const tracker = await openTracker(uri);
      try {
        if (!opts.json)
          process.stderr.write(`${k}-fold cross-validation on ${data.reviews} reviews from ${data.source}\n`);
        const r = await runCrossValidation({
          tracker,
          trackingUri: uri,
          dataFile: data.file,
          dataSha256: data.sha256,
          family: opts.family,
          preset: opts.preset,
          hyperparameters: jsonObject(opts.params, "--params"),
          k,
          seed: Number(opts.seed),
          parallel: positiveInt(opts.parallel, "--parallel"),
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        process.stdout.write(
          `${table(
            ["metric", "mean", "± std", ...r.folds.map((f) => `fold ${f.fold + 1}`)],
            Object.entries(r.metrics).map(([name, s]) => [name, s.mean, s.std, ...s.values]),
          )}\n`,
        );
        const acc = r.metrics.accuracy;
        if (acc)
          process.stdout.write(
            `accuracy ${formatNumber(acc.mean)} ± ${formatNumber(acc.std)} over ${r.k} folds (run ${r.runId})\n`,
          );
      } finally {
        await tracker.close();
        data.dispose();
      }
    });
}
