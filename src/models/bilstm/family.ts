// The BiLSTM family: the reference specification and a fast CPU variant (see params.ts).
import type { ModelFamily } from "../model.ts";
import { type NeuralFamilySpec, neuralFamily } from "../neural/neural-model.ts";
import { bilstmArchitecture } from "./network.ts";
import { type BilstmParams, parseBilstmParams } from "./params.ts";

export const FAMILY = "bilstm";

export const bilstmSpec: NeuralFamilySpec<BilstmParams> = {
  family: FAMILY,
  parse: parseBilstmParams,
  architecture: bilstmArchitecture,
};

export const family: ModelFamily = neuralFamily(
  bilstmSpec,
  "Bidirectional LSTM on word embeddings (libtorch); reference spec or fast CPU variant",
);
