// POST /v1/feedback: users correct (or confirm) a prediction; stored durably for retraining.
import type { FastifyInstance } from "fastify";
import type { ServeContext } from "../context.ts";
import { errors } from "../errors.ts";
import { type FeedbackBody, feedbackBodySchema } from "../schemas.ts";

const errorResponses = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;

export async function feedbackRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { config, feedback, holder, metrics } = ctx;

  app.post<{ Body: FeedbackBody }>(
    "/feedback",
    {
      schema: {
        summary: "Record the correct label for a review",
        description:
          "Stored in the feedback database (SQLite) and exported for retraining with " +
          "`sentiment feedback export --format csv|jsonl`.",
        tags: ["feedback"],
        body: feedbackBodySchema(config),
        response: {
          201: {
            type: "object",
            required: ["id", "createdAt"],
            properties: { id: { type: "integer" }, createdAt: { type: "string" } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.text.trim() === "") throw errors.emptyText("text");
      const active = holder.current;
      const stored = feedback.add({
        text: body.text,
        predicted: body.predicted,
        label: body.label,
        confidence: body.confidence ?? null,
        // Default to the model being served: feedback arrives seconds after the prediction it is about.
        modelId: body.model ?? active.entry.id,
        modelVersion: body.version ?? (body.model === undefined ? active.entry.version : null),
      });
      metrics.feedback.inc({ label: body.label });
      reply.code(201);
      return stored;
    },
  );

  app.get(
    "/feedback/stats",
    {
      schema: {
        summary: "How much feedback is stored (counts only; texts are exported with the CLI)",
        tags: ["feedback"],
        response: {
          200: {
            type: "object",
            required: ["total", "byLabel", "disagreements"],
            properties: {
              total: { type: "integer" },
              byLabel: {
                type: "object",
                properties: { negative: { type: "integer" }, positive: { type: "integer" } },
              },
              disagreements: {
                type: "integer",
                description: "Feedback whose label differs from the prediction",
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => feedback.count(),
  );
}
