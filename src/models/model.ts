// The one model interface. Every family — n-gram linear, LSTM, Transformer, Hugging Face checkpoint —
// implements `SentimentModel`, so the CLI, trainer, evaluator, tracker, server and UI never need to
// know which family they hold. Modelled on scikit-learn's estimators: construct with
// hyperparameters, `fit`, then `predictProba`; persist with `save` and the registry's `loadModel`.
import type { Review } from "../data/types.ts";
import type { PreprocessConfig } from "../text/preprocess.ts";
import { UserError } from "../util/errors.ts";
import type { ModelFileContents } from "./modelFile.ts";

export const LABELS = ["negative", "positive"] as const;
export type Label = (typeof LABELS)[number];

export interface Prediction {
  label: Label;
  probabilities: Record<Label, number>;
  /** Probability of the predicted label. */
  confidence: number;
  /** Predicted star rating on IMDb's 1-10 scale, or null when the model has no rating head. */
  rating: number | null;
}

/** Contribution of one token of the cleaned text to the positive-class logit. */
export interface TokenContribution {
  token: string;
  start: number;
  end: number;
  contribution: number;
}

export interface Explanation {
  /** The cleaned text that token offsets refer to. */
  text: string;
  tokens: TokenContribution[];
  /** Intercept of the logit; for exact explainers, bias + sum(contributions) == logit. */
  bias: number;
  /** Calibrated positive-class log-odds: probability == sigmoid(logit). */
  logit: number;
  probability: number;
  /** "exact" for additive models; "approximate" for attribution methods (gradients, occlusion). */
  method: "exact" | "approximate";
  /** Optional finer detail, e.g. the n-grams that fired. */
  features?: { feature: string; contribution: number }[];
}

export interface ProgressEvent {
  phase: string;
  done: number;
  total: number;
  /** Metrics to show beside the bar and send to the tracker (loss, accuracy, ...). */
  metrics?: Record<string, number>;
}

export interface FitData {
  train: Review[];
  /** Held-out reviews (disjoint by movie) for model selection and calibration. Never the test split. */
  validation: Review[];
  /** Unlabeled reviews some families use (embeddings, pre-training). */
  unlabeled?: Review[];
  /** sha256 of the source the reviews came from, recorded in the model file. */
  dataSha256?: string;
}

export interface FitOptions {
  seed?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Per-step / per-epoch metrics, sent to the experiment tracker when one is attached. */
  onMetric?: (name: string, value: number, step: number) => void;
  signal?: AbortSignal;
}

export interface ModelMetadata {
  /** Model family, e.g. "nblr", "bilstm", "hf". */
  family: string;
  /** Human-readable unique id (family + creation time + short hash). */
  id: string;
  /** Model file format version. */
  formatVersion: number;
  createdAt: string;
  preprocessing?: PreprocessConfig;
  hyperparameters: Record<string, unknown>;
  /** Metrics measured at fit time (validation), and test metrics when evaluated. */
  metrics: Record<string, number>;
  dataSha256?: string;
  parameterCount?: number;
  hasRating: boolean;
  /** Free-form details: architecture, source checkpoint, recipe. */
  details?: Record<string, unknown>;
}

export interface SentimentModel {
  readonly family: string;
  /** Train on `data.train`, select and calibrate on `data.validation`. Returns fit-time metrics. */
  fit(data: FitData, options?: FitOptions): Promise<Record<string, number>>;
  /** Calibrated P(positive) for each text. */
  predictProba(texts: readonly string[]): Promise<Float64Array>;
  /** Predicted 1-10 star rating per text, or null when the model has no rating head. */
  predictRating(texts: readonly string[]): Promise<Float64Array | null>;
  explain(text: string): Promise<Explanation>;
  save(path: string): Promise<void>;
  metadata(): ModelMetadata;
  /** Free native resources (libtorch tensors, ONNX sessions); the model is unusable afterwards. */
  dispose?(): void | Promise<void>;
}

/** A model family as the registry sees it: how to make a fresh model and how to load a saved one. */
export interface ModelFamily {
  family: string;
  description: string;
  create(hyperparameters?: Record<string, unknown>): SentimentModel;
  /** Load from a path (file or folder) already known to belong to this family. */
  load(path: string): Promise<SentimentModel>;
  /** True when `path` holds a model of this family (checked by magic bytes / layout, not by name). */
  canLoad(path: string): Promise<boolean>;
  /** Build from an already parsed model file (families stored in the single-file container). */
  fromContents?(contents: ModelFileContents, source: string): SentimentModel | Promise<SentimentModel>;
}

/**
 * A model that keeps its out-of-sample, calibrated validation logits from `fit`, so an ensemble can
 * learn how to weigh it without refitting it.
 */
export interface StackableModel extends SentimentModel {
  validationLogits?: Float64Array;
}

/** Probabilities and ratings -> user-facing predictions. Shared by CLI and server. */
export async function predict(model: SentimentModel, texts: readonly string[]): Promise<Prediction[]> {
  const [p, ratings] = await Promise.all([model.predictProba(texts), model.predictRating(texts)]);
  return Array.from(p, (pos, i) => {
    const label: Label = pos >= 0.5 ? "positive" : "negative";
    return {
      label,
      probabilities: { negative: 1 - pos, positive: pos },
      confidence: label === "positive" ? pos : 1 - pos,
      rating: ratings ? ratings[i] : null,
    };
  });
}

/** 0/1 labels of labelled reviews, for fitting. @throws UserError naming the first review without one. */
export function labelsOf(reviews: readonly Review[]): Uint8Array {
  return Uint8Array.from(reviews, (r, i) => {
    if (r.label === undefined) throw new UserError(`review ${r.id ?? i} has no label`);
    return r.label;
  });
}
