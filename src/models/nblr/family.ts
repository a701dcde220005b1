import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import { FAMILY, NblrModel } from "./model.ts";

export const nblrFamily: ModelFamily = {
  family: FAMILY,
  description:
    "NB-weighted logistic regression on hashed word 1-3-grams (fast, exact explanations, rating head)",
  create: (hyperparameters) => new NblrModel(hyperparameters),
  load: (path) => NblrModel.load(path),
  fromContents: (contents, source) => NblrModel.fromContents(contents, source),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
