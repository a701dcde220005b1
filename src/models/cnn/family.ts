// The word-CNN family: fast convolutional classifier over whole reviews, random or word-vector start.
import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import { type NeuralFamilySpec, NeuralModel } from "../neural/neural-model.ts";
import { cnnArchitecture } from "./network.ts";
import { type CnnParams, parseCnnParams } from "./params.ts";

export const FAMILY = "cnn";

export const cnnSpec: NeuralFamilySpec<CnnParams> = {
  family: FAMILY,
  parse: parseCnnParams,
  architecture: cnnArchitecture,
};

export const family: ModelFamily = {
  family: FAMILY,
  description: "Word CNN (parallel convolutions, max over time; libtorch), random or word-vector start",
  create: (hyperparameters) => new NeuralModel(cnnSpec, hyperparameters),
  load: (path) => NeuralModel.load(cnnSpec, path),
  fromContents: (contents, source) => NeuralModel.fromContents(cnnSpec, contents, source),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
