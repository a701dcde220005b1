// POST /v1/predict and POST /v1/explain: scoring and per-token explanations of reviews sent as JSON.
import type { FastifyInstance } from "fastify";
import { predict } from "../../models/model.ts";
import type { ServeContext } from "../context.ts";
import { errors } from "../errors.ts";
import { modelRef } from "../modelHolder.ts";
import {
  type ExplainBody,
  explainBodySchema,
  explanationSchema,
  type PredictBody,
  predictBodySchema,
} from "../schemas.ts";

/** How many of the fired features an explanation returns; the tokens already carry the full detail. */
const MAX_FEATURES = 25;

const errorResponses = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;

export async function predictRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { config, holder, metrics } = ctx;

  app.post<{ Body: PredictBody }>(
    "/predict",
    {
      schema: {
        summary: "Score one review or a batch",
        description:
          'Send {"text": "..."} for one prediction, or {"texts": [...]} (at most ' +
          `${config.maxBatch}) for a batch answered in order.`,
        tags: ["predict"],
        body: predictBodySchema(config),
        response: {
          200: {
            description: "A prediction (for `text`) or a list of them (for `texts`)",
            anyOf: [
              {
                type: "object",
                required: ["label", "probabilities", "confidence", "rating", "model"],
                properties: { ...predictionSchemaProperties(), model: { $ref: "ModelRef#" } },
              },
              {
                type: "object",
                required: ["predictions", "model"],
                properties: {
                  predictions: { type: "array", items: { $ref: "Prediction#" } },
                  model: { $ref: "ModelRef#" },
                },
              },
            ],
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { text, texts } = request.body;
      if ((text === undefined) === (texts === undefined)) throw errors.textOrTexts();
      const list = texts ?? [text as string];
      for (let i = 0; i < list.length; i++) {
        if (list[i].trim() === "") throw errors.emptyText(texts ? `texts[${i}]` : "text");
      }
      // One model for the whole request: a concurrent hot swap must not change it mid-request.
      return holder.use(async (active) => {
        const predictions = await predict(active.model, list);
        metrics.countPredictions(predictions);
        const model = modelRef(active);
        return texts ? { predictions, model } : { ...predictions[0], model };
      });
    },
  );

  app.post<{ Body: ExplainBody }>(
    "/explain",
    {
      schema: {
        summary: "Per-token contributions to the prediction, for highlighting",
        description:
          "Token offsets index the returned cleaned `text` (HTML stripped, Unicode-normalised), in UTF-16 code units.",
        tags: ["predict"],
        body: explainBodySchema(config),
        response: { 200: explanationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { text } = request.body;
      if (text.trim() === "") throw errors.emptyText("text");
      return holder.use(async (active) => {
        const [explanation, [prediction]] = await Promise.all([
          active.model.explain(text),
          predict(active.model, [text]),
        ]);
        metrics.countPredictions([prediction]);
        const features = explanation.features
          ?.slice()
          .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
          .slice(0, MAX_FEATURES);
        return { ...explanation, features, prediction, model: modelRef(active) };
      });
    },
  );
}

function predictionSchemaProperties() {
  return {
    label: { type: "string", enum: ["negative", "positive"] },
    probabilities: {
      type: "object",
      required: ["negative", "positive"],
      properties: { negative: { type: "number" }, positive: { type: "number" } },
    },
    confidence: { type: "number" },
    rating: { type: ["number", "null"] },
  } as const;
}
