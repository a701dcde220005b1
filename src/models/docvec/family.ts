import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import { DocVecModel, FAMILY } from "./model.ts";

export const docVecFamily: ModelFamily = {
  family: FAMILY,
  description:
    "document vectors trained with cosine similarity over word n-grams (train + unlabeled reviews), logistic regression; needs the native addon",
  create: (hyperparameters) => new DocVecModel(hyperparameters),
  load: (path) => DocVecModel.load(path),
  fromContents: (contents, source) => DocVecModel.fromContents(contents, source),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
