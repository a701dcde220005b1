// JSON schemas of the API (request validation, response serialisation and the OpenAPI document), and
// the TypeScript shapes they describe. Limits come from the server config, so schemas are built per app.
import type { ServeConfig } from "./config.ts";

const label = { type: "string", enum: ["negative", "positive"] } as const;

export const modelRefSchema = {
  $id: "ModelRef",
  type: "object",
  description: "The model that produced a response. `id` is what /v1/models/{id}/activate takes.",
  required: ["id", "version", "family", "modelId"],
  properties: {
    id: { type: "string", examples: ["default"] },
    version: { type: ["string", "null"], description: "First 12 hex digits of the model file's sha256" },
    family: { type: "string", examples: ["nblr"] },
    modelId: { type: "string", description: "Unique id written into the model file at training time" },
  },
} as const;

export const predictionSchema = {
  $id: "Prediction",
  type: "object",
  required: ["label", "probabilities", "confidence", "rating"],
  properties: {
    label,
    probabilities: {
      type: "object",
      required: ["negative", "positive"],
      properties: { negative: { type: "number" }, positive: { type: "number" } },
    },
    confidence: { type: "number", description: "Probability of the predicted label" },
    rating: {
      type: ["number", "null"],
      description: "Predicted star rating on IMDb's 1-10 scale; null when the model has no rating head",
    },
  },
} as const;

export function textSchema(config: ServeConfig) {
  return { type: "string", minLength: 1, maxLength: config.maxTextChars } as const;
}

export function predictBodySchema(config: ServeConfig) {
  return {
    type: "object",
    description: 'Exactly one of "text" or "texts".',
    additionalProperties: false,
    properties: {
      text: { ...textSchema(config), description: "One review" },
      texts: {
        type: "array",
        minItems: 1,
        maxItems: config.maxBatch,
        items: textSchema(config),
        description: `Up to ${config.maxBatch} reviews, answered in the same order`,
      },
    },
    examples: [
      { text: "A moving, beautifully acted film." },
      { texts: ["Loved it.", "Two hours I will never get back."] },
    ],
  } as const;
}

export interface PredictBody {
  text?: string;
  texts?: string[];
}

export function explainBodySchema(config: ServeConfig) {
  return {
    type: "object",
    required: ["text"],
    additionalProperties: false,
    properties: { text: textSchema(config) },
    examples: [{ text: "The plot was thin but the acting was wonderful." }],
  } as const;
}

export interface ExplainBody {
  text: string;
}

export const explanationSchema = {
  type: "object",
  required: ["text", "tokens", "bias", "logit", "probability", "method", "prediction", "model"],
  properties: {
    text: { type: "string", description: "The cleaned text that token offsets index (UTF-16 code units)" },
    tokens: {
      type: "array",
      items: {
        type: "object",
        required: ["token", "start", "end", "contribution"],
        properties: {
          token: { type: "string" },
          start: { type: "integer" },
          end: { type: "integer" },
          contribution: { type: "number", description: "Added to the positive-class logit" },
        },
      },
    },
    features: {
      type: "array",
      description: "The strongest features that fired (e.g. n-grams), by |contribution|",
      items: {
        type: "object",
        required: ["feature", "contribution"],
        properties: { feature: { type: "string" }, contribution: { type: "number" } },
      },
    },
    bias: { type: "number" },
    logit: { type: "number" },
    probability: { type: "number", description: "P(positive) from the explanation's logit" },
    method: { type: "string", enum: ["exact", "approximate"] },
    prediction: { $ref: "Prediction#" },
    model: { $ref: "ModelRef#" },
  },
} as const;

export function feedbackBodySchema(config: ServeConfig) {
  return {
    type: "object",
    required: ["text", "predicted", "label"],
    additionalProperties: false,
    properties: {
      text: textSchema(config),
      predicted: { ...label, description: "What the model said" },
      label: { ...label, description: "What the user says is right" },
      confidence: { type: "number", minimum: 0, maximum: 1 },
      model: { type: "string", maxLength: 200, description: "Model id from the prediction response" },
      version: { type: ["string", "null"], maxLength: 200, description: "Model version from the response" },
    },
    examples: [{ text: "Not bad at all.", predicted: "negative", label: "positive" }],
  } as const;
}

export interface FeedbackBody {
  text: string;
  predicted: "negative" | "positive";
  label: "negative" | "positive";
  confidence?: number;
  model?: string;
  version?: string | null;
}

export const modelEntrySchema = {
  $id: "ModelEntry",
  type: "object",
  required: ["id", "active", "version", "family", "modelId", "createdAt", "sizeBytes", "hasReport", "error"],
  properties: {
    id: { type: "string" },
    active: { type: "boolean" },
    version: { type: ["string", "null"] },
    family: { type: ["string", "null"] },
    modelId: { type: ["string", "null"] },
    createdAt: { type: ["string", "null"] },
    sizeBytes: { type: ["integer", "null"] },
    hasReport: { type: "boolean" },
    error: { type: ["string", "null"], description: "Why this model cannot be loaded" },
  },
} as const;

export const activeModelSchema = {
  $id: "ActiveModel",
  type: "object",
  required: ["id", "version", "family", "modelId", "loadedAt", "loadSeconds", "metadata"],
  properties: {
    id: { type: "string" },
    version: { type: ["string", "null"] },
    family: { type: "string" },
    modelId: { type: "string" },
    loadedAt: { type: "string" },
    loadSeconds: { type: "number" },
    hasReport: { type: "boolean" },
    metadata: {
      type: "object",
      additionalProperties: true,
      description: "The model file's metadata: hyperparameters, fit-time metrics, preprocessing, ...",
    },
  },
} as const;

/** Schemas referenced with $ref by several routes. */
export const sharedSchemas = [modelRefSchema, predictionSchema, modelEntrySchema, activeModelSchema];
