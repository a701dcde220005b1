// Liveness, readiness and Prometheus metrics, outside /v1 and outside the API key (infrastructure probes).
import type { FastifyInstance } from "fastify";
import type { ServeContext } from "../context.ts";
import { modelRef } from "../modelHolder.ts";

export async function healthRoutes(
  app: FastifyInstance,
  ctx: ServeContext & { isClosing(): boolean },
): Promise<void> {
  app.get(
    "/healthz",
    {
      schema: {
        summary: "Liveness: the process answers",
        tags: ["health"],
        response: { 200: { type: "object", properties: { status: { type: "string", const: "ok" } } } },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        summary: "Readiness: a model is loaded and the server is not shutting down",
        tags: ["health"],
        response: {
          200: {
            type: "object",
            properties: { status: { type: "string" }, model: { $ref: "ModelRef#" } },
          },
          503: {
            type: "object",
            properties: { status: { type: "string" } },
          },
        },
      },
    },
    async (_request, reply) => {
      if (ctx.isClosing()) {
        reply.code(503);
        return { status: "shutting down" };
      }
      return { status: "ready", model: modelRef(ctx.holder.current) };
    },
  );

  app.get(
    "/metrics",
    { schema: { summary: "Prometheus metrics", tags: ["health"], produces: ["text/plain"] } },
    async (_request, reply) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );
}
