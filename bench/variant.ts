// Score one model variant on a movie-disjoint validation split of IMDb train (never test):
//   npm run bench:variant -- [preset] ['{"json":"overrides"}'] [seed]
// Prints validation accuracy of the full reviews, of their first and last sentences only (short-text
// behaviour), rating MAE, feature count and fit time. This produced the variants table in BENCHMARKS.md.
import { readImdb } from "../src/data/imdb.ts";
import { resolveDataPath } from "../src/data/paths.ts";
import { splitByGroup } from "../src/data/split.ts";
import { getFamily } from "../src/models/registry.ts";
import { sentences } from "../src/text/sentences.ts";
import { resolveConfig } from "../src/train/train.ts";

const [preset = "default", overrides = "{}", seedArg = "0"] = process.argv.slice(2);
const seed = Number(seedArg);
const config = resolveConfig({ preset });
// No refit on train + validation: the validation reviews must stay unseen by what is scored on them.
const noRefit = (h: Record<string, unknown>) => ({ ...h, refit: false });
const merged: Record<string, unknown> = { ...config.hyperparameters, ...JSON.parse(overrides), seed };
const hyperparameters =
  config.family === "ensemble"
    ? {
        ...merged,
        members: (merged.members as { family: string; hyperparameters: Record<string, unknown> }[]).map(
          (m) => ({
            ...m,
            hyperparameters: noRefit(m.hyperparameters),
          }),
        ),
      }
    : noRefit(merged);
const data = await readImdb(resolveDataPath(), { splits: config.unlabeled ? ["train", "unsup"] : ["train"] });
const { train, validation } = splitByGroup(data.train, { validationFraction: 0.2, seed });
const model = (await getFamily(config.family)).create(hyperparameters);
const started = performance.now();
const metrics = await model.fit({ train, validation, unlabeled: config.unlabeled ? data.unsup : undefined });
const seconds = (performance.now() - started) / 1000;

async function accuracy(texts: string[]): Promise<number> {
  const p = await model.predictProba(texts);
  return validation.filter((r, i) => (p[i] >= 0.5 ? 1 : 0) === r.label).length / validation.length;
}
const split = validation.map((r) => sentences(r.text));
const result = {
  preset,
  overrides: JSON.parse(overrides),
  seed,
  val_accuracy: await accuracy(validation.map((r) => r.text)),
  val_first_sentence: await accuracy(split.map((s, i) => s[0] ?? validation[i].text)),
  val_last_sentence: await accuracy(split.map((s, i) => s[s.length - 1] ?? validation[i].text)),
  val_rating_mae: metrics.val_rating_mae,
  features: metrics.features,
  fit_seconds: seconds,
};
console.log(JSON.stringify(result));
