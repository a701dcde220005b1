import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import { FAMILY, FastTextModel } from "./model.ts";

export const fastTextFamily: ModelFamily = {
  family: FAMILY,
  description:
    "fastText-style mean of hashed n-gram embeddings with one logit (sparse Adam); exact explanations",
  create: (hyperparameters) => new FastTextModel(hyperparameters),
  load: (path) => FastTextModel.load(path),
  fromContents: (contents, source) => FastTextModel.fromContents(contents, source),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
