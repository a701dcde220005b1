// One training entry point for every family: read labelled data, carve a movie-disjoint
// validation split, fit, and hand back the model with what it was trained on. Used by the CLI,
// the pipeline, tuning and cross-validation.
import { readImdb } from "../data/imdb.ts";
import { resolveDataPath } from "../data/paths.ts";
import { splitByGroup } from "../data/split.ts";
import type { Review } from "../data/types.ts";
import type { FitOptions, SentimentModel } from "../models/model.ts";
import { getFamily } from "../models/registry.ts";
import { UserError } from "../util/errors.ts";
import { PRESETS, presetNames } from "./presets.ts";

export interface TrainOptions extends FitOptions {
  family?: string;
  preset?: string;
  /** Overrides merged over the preset's hyperparameters. */
  hyperparameters?: Record<string, unknown>;
  /** IMDb archive/folder (default: resolveDataPath). */
  dataPath?: string;
  /** Labelled reviews to train on instead of reading `dataPath`. */
  reviews?: Review[];
  validationFraction?: number;
  /** Load the unlabeled reviews too, for families that use them. */
  unlabeled?: boolean;
}

export interface TrainResult {
  model: SentimentModel;
  metrics: Record<string, number>;
  family: string;
  hyperparameters: Record<string, unknown>;
  train: Review[];
  validation: Review[];
  dataSha256?: string;
  seconds: number;
}

export function resolveConfig(options: Pick<TrainOptions, "family" | "preset" | "hyperparameters">) {
  const presetName = options.preset ?? (options.family ? undefined : "default");
  const preset = presetName ? PRESETS[presetName] : undefined;
  if (presetName && !preset)
    throw new UserError(`unknown preset "${presetName}" (known: ${presetNames().join(", ")})`);
  const family = options.family ?? preset!.family;
  if (preset && options.family && preset.family !== options.family) {
    throw new UserError(`preset "${presetName}" is for family "${preset.family}", not "${options.family}"`);
  }
  return {
    family,
    hyperparameters: { ...(preset?.hyperparameters ?? {}), ...(options.hyperparameters ?? {}) },
    unlabeled: preset?.unlabeled ?? false,
  };
}

export async function trainModel(options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  await import("../models/families.ts");
  const config = resolveConfig(options);
  const { family, hyperparameters } = config;
  const wantUnlabeled = options.unlabeled ?? config.unlabeled;
  let reviews = options.reviews;
  let unlabeled: Review[] | undefined;
  let dataSha256: string | undefined;
  if (!reviews) {
    const path = resolveDataPath(options.dataPath);
    const data = await readImdb(path, {
      splits: wantUnlabeled ? ["train", "unsup"] : ["train"],
      onProgress: (done, total) => options.onProgress?.({ phase: "read data", done, total }),
    });
    reviews = data.train;
    unlabeled = wantUnlabeled ? data.unsup : undefined;
    dataSha256 = data.sha256;
  }
  const labelled = reviews.filter((r) => r.label !== undefined);
  if (labelled.length < 2 || new Set(labelled.map((r) => r.label)).size < 2) {
    throw new UserError("training needs labelled reviews of both classes");
  }
  const { train, validation } = splitByGroup(labelled, {
    validationFraction: options.validationFraction ?? 0.2,
    seed: options.seed ?? 0,
  });
  const model = (await getFamily(family)).create({ ...hyperparameters, seed: options.seed ?? 0 });
  const metrics = await model.fit({ train, validation, unlabeled, dataSha256 }, options);
  return {
    model,
    metrics,
    family,
    hyperparameters,
    train,
    validation,
    dataSha256,
    seconds: (performance.now() - started) / 1000,
  };
}
