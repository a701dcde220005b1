// `sentiment tune`: hyperparameter search (random or TPE) scored on the training reviews only —
// a movie-disjoint validation split or k-fold CV, never the test split — with each trial a child run.
import { resolve } from "node:path";
import type { Command } from "commander";
import { readReviews } from "../../pipeline/reviewsFile.ts";
import { promoteModel, registerModel } from "../../track/modelRegistry.ts";
import { openTracker, trackingUri } from "../../track/open.ts";
import { formatNumber, table } from "../../track/runViews.ts";
import { trainTracked } from "../../track/trainRun.ts";
import { resolveConfig } from "../../train/train.ts";
import { prepareTrainingData } from "../../tune/data.ts";
import { runSearch } from "../../tune/search.ts";
import { DEFAULT_SPACES, parseSpace } from "../../tune/space.ts";
import { UserError } from "../../util/errors.ts";
import { jsonObject, positiveInt } from "../options.ts";

export function register(program: Command): void {
  program
    .command("tune")
    .description("Hyperparameter search on the training reviews (validation split or k-fold CV; never test)")
    .option("--family <name>", "model family (default: the preset's)")
    .option("--preset <name>", "starting configuration")
    .option("--params <json>", "fixed hyperparameter overrides")
    .option("--space <file|json>", "search space (JSON/YAML); default: the family's built-in space")
    .option("--algorithm <name>", "tpe or random", "tpe")
    .option("--trials <n>", "number of trials", "20")
    .option("--parallel <n>", "trials at once, one process each (default: CPU cores)")
    .option("--cv <k>", "score by k-fold cross-validation instead of one validation split")
    .option("--validation-fraction <f>", "share of reviews (whole movies) held out for scoring", "0.2")
    .option("--metric <name>", "metric to optimise (accuracy, macroF1, rocAuc, logLoss, ...)", "accuracy")
    .option("--seed <n>", "search seed (suggestions and splits)", "0")
    .option("--data <path>", "IMDb archive/folder or labelled table (train split only)")
    .option("--limit <n>", "search on a seeded sample of this many reviews (whole movies)")
    .option("--train-best", "train the best configuration on all the data afterwards")
    .option("--out <file>", "where --train-best writes the model", "models/tuned.sentiment")
    .option("--register", "register the trained best model (implies --train-best)")
    .option("--alias <alias>", "alias for the registered model", "staging")
    .option("--tracking-uri <uri>", "tracking store (default: $MLFLOW_TRACKING_URI, else ./mlruns)")
    .option("--json", "print a JSON summary")
    .option("--quiet", "no per-trial output")
    .action(async (opts) => {
      const algorithm = String(opts.algorithm);
      if (algorithm !== "tpe" && algorithm !== "random")
        throw new UserError(`--algorithm must be tpe or random, got "${algorithm}"`);
      const hyperparameters = jsonObject(opts.params, "--params");
      const family = resolveConfig({ family: opts.family, preset: opts.preset, hyperparameters }).family;
      const space = opts.space ? parseSpace(opts.space) : DEFAULT_SPACES[family];
      if (!space) throw new UserError(`no built-in search space for family "${family}"; pass --space`);
      const fraction = Number(opts.validationFraction);
      if (!(fraction > 0 && fraction < 1))
        throw new UserError("--validation-fraction must be between 0 and 1");
      const k = positiveInt(opts.cv, "--cv");
      const uri = trackingUri(opts.trackingUri);
      const data = await prepareTrainingData({
        dataPath: opts.data,
        limit: positiveInt(opts.limit, "--limit"),
        seed: Number(opts.seed),
      });
      const tracker = await openTracker(uri);
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once("SIGINT", onSigint);
      try {
        const say = (s: string) => {
          if (!opts.quiet && !opts.json) process.stderr.write(`${s}\n`);
        };
        say(
          `searching ${Object.keys(space).join(", ")} with ${algorithm} on ${data.reviews} reviews from ${data.source}`,
        );
        const result = await runSearch({
          tracker,
          trackingUri: uri,
          dataFile: data.file,
          dataSha256: data.sha256,
          // As given: with neither, resolveConfig uses the default preset (its nested settings stay).
          family: opts.family,
          preset: opts.preset,
          hyperparameters,
          space,
          algorithm,
          trials: positiveInt(opts.trials, "--trials")!,
          parallel: positiveInt(opts.parallel, "--parallel"),
          seed: Number(opts.seed),
          evaluation: k ? { kind: "folds", k } : { kind: "holdout", fraction },
          metric: opts.metric,
          signal: controller.signal,
          onTrial: (t) =>
            say(
              `trial ${t.trial}: ${t.error ? `failed: ${t.error}` : `${opts.metric} ${formatNumber(t.metrics[opts.metric])}`}  ${JSON.stringify(t.params)}`,
            ),
        });
        let trained: { runId: string; out: string; version?: number } | undefined;
        if (opts.trainBest || opts.register) {
          const out = resolve(opts.out);
          say(`training the best configuration (trial ${result.best.trial}) on all ${data.reviews} reviews`);
          const { runId } = await trainTracked({
            tracker,
            family,
            hyperparameters: result.bestHyperparameters,
            reviews: await readReviews(data.file),
            out,
            run: { experiment: "tune", name: "tune-best", parentRunId: result.runId },
          });
          trained = { runId, out };
          if (opts.register) {
            const v = await registerModel(tracker, { modelPath: out, runId });
            await promoteModel(tracker, v.name, v.version, { alias: opts.alias });
            trained.version = v.version;
          }
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...result, trained })}\n`);
          return;
        }
        const ranked = [...result.trials].sort((a, b) =>
          Number.isNaN(a.score) ? 1 : Number.isNaN(b.score) ? -1 : b.score - a.score,
        );
        const keys = Object.keys(space);
        process.stdout.write(
          `${table(
            ["trial", result.metric, ...keys, "seconds"],
            ranked.map((t) => [
              t.trial,
              t.metrics[result.metric] ?? null,
              ...keys.map((key) =>
                typeof t.params[key] === "number" ? (t.params[key] as number) : String(t.params[key]),
              ),
              t.seconds.toFixed(1),
            ]),
          )}\n`,
        );
        process.stdout.write(
          `best: trial ${result.best.trial}, ${result.metric} ${formatNumber(result.best.metrics[result.metric])} (search run ${result.runId})\n`,
        );
        process.stdout.write(
          `train it with: sentiment train --family ${family} --params '${JSON.stringify(result.bestHyperparameters)}'\n`,
        );
        if (trained)
          process.stdout.write(
            `trained ${trained.out} (run ${trained.runId})${trained.version ? `, registered as version ${trained.version} @${opts.alias}` : ""}\n`,
          );
      } finally {
        process.off("SIGINT", onSigint);
        await tracker.close();
        data.dispose();
      }
    });
}
