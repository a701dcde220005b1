// Public surface of the `distilbert` family (libtorch).

export { DistilBertModel } from "./distilbert-model.ts";
export { distilbertFamily } from "./family.ts";
export { DistilBertNetwork } from "./network.ts";
export { type DistilBertParams, DistilBertParamsSchema } from "./params.ts";
