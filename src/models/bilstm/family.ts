// The BiLSTM family: the reference specification and a fast CPU variant (see params.ts).
import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import { type NeuralFamilySpec, NeuralModel } from "../neural/neural-model.ts";
import { bilstmArchitecture } from "./network.ts";
import { type BilstmParams, parseBilstmParams } from "./params.ts";

export const FAMILY = "bilstm";

export const bilstmSpec: NeuralFamilySpec<BilstmParams> = {
  family: FAMILY,
  parse: parseBilstmParams,
  architecture: bilstmArchitecture,
};

export const family: ModelFamily = {
  family: FAMILY,
  description: "Bidirectional LSTM on word embeddings (libtorch); reference spec or fast CPU variant",
  create: (hyperparameters) => new NeuralModel(bilstmSpec, hyperparameters),
  load: (path) => NeuralModel.load(bilstmSpec, path),
  fromContents: (contents, source) => NeuralModel.fromContents(bilstmSpec, contents, source),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
