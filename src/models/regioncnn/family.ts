// The one-hot region-CNN family (Johnson & Zhang 2015): region embeddings learned straight from
// one-hot words, max + mean pooled; libtorch.
import type { ModelFamily } from "../model.ts";
import { type NeuralFamilySpec, neuralFamily } from "../neural/neural-model.ts";
import { regionCnnArchitecture } from "./network.ts";
import { parseRegionCnnParams, type RegionCnnParams } from "./params.ts";

export const FAMILY = "regioncnn";

export const regionCnnSpec: NeuralFamilySpec<RegionCnnParams> = {
  family: FAMILY,
  parse: parseRegionCnnParams,
  architecture: regionCnnArchitecture,
};

export const family: ModelFamily = neuralFamily(
  regionCnnSpec,
  "One-hot region CNN (Johnson & Zhang 2015: full-rank region embeddings, max + mean pooling; libtorch)",
);
