// Public surface of the `hf` family (Hugging Face checkpoints through ONNX).
export { hfFamily } from "./family.ts";
export { type HfLoadOptions, HfModel } from "./hf-model.ts";
export { type DownloadEvent, hubCacheDir } from "./hub.ts";
export { type LabelMapping, mapLabels } from "./labels.ts";
export { type HfOptions, HfOptionsSchema, LONG_TEXT_STRATEGIES, type LongTextStrategy } from "./options.ts";
