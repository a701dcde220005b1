import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import { EnsembleModel, FAMILY } from "./model.ts";

export const ensembleFamily: ModelFamily = {
  family: FAMILY,
  description: "Stacked ensemble of member models, weights fitted on the validation split",
  create: (hyperparameters) => new EnsembleModel(hyperparameters),
  load: (path) => EnsembleModel.load(path),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
