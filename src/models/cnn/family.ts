// The word-CNN family: fast convolutional classifier over whole reviews, random or word-vector start.
import type { ModelFamily } from "../model.ts";
import { type NeuralFamilySpec, neuralFamily } from "../neural/neural-model.ts";
import { cnnArchitecture } from "./network.ts";
import { type CnnParams, parseCnnParams } from "./params.ts";

export const FAMILY = "cnn";

export const cnnSpec: NeuralFamilySpec<CnnParams> = {
  family: FAMILY,
  parse: parseCnnParams,
  architecture: cnnArchitecture,
};

export const family: ModelFamily = neuralFamily(
  cnnSpec,
  "Word CNN (parallel convolutions, max over time; libtorch), random or word-vector start",
);
