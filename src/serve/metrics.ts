// Prometheus metrics for one app instance (a registry per app, so tests can build several side by side).
// Route labels use the route pattern (`/v1/models/:id/activate`), never the raw URL, to bound cardinality.
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Prediction } from "../models/model.ts";
import type { ActiveModel } from "./modelHolder.ts";

export interface ServeMetrics {
  registry: Registry;
  countPredictions(predictions: readonly Prediction[]): void;
  setActiveModel(active: ActiveModel, previous?: ActiveModel): void;
  feedback: Counter<"label">;
  fileRows: Counter;
}

export function createMetrics(app: FastifyInstance): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sentiment_" });
  const requests = new Counter({
    name: "sentiment_http_requests_total",
    help: "HTTP requests by method, route and status code",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "sentiment_http_request_duration_seconds",
    help: "Time from request start to response end",
    labelNames: ["method", "route"] as const,
    // Dense below 25 ms, the latency target for single predictions.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const predictions = new Counter({
    name: "sentiment_predictions_total",
    help: "Predictions served, by predicted label",
    labelNames: ["label"] as const,
    registers: [registry],
  });
  const activeModel = new Gauge({
    name: "sentiment_active_model_info",
    help: "1 for the model being served (labels identify it)",
    labelNames: ["id", "version", "family", "model_id"] as const,
    registers: [registry],
  });
  const swaps = new Counter({
    name: "sentiment_model_swaps_total",
    help: "Successful model activations after start-up",
    registers: [registry],
  });
  const feedback = new Counter({
    name: "sentiment_feedback_total",
    help: "Feedback records stored, by the label the user gave",
    labelNames: ["label"] as const,
    registers: [registry],
  });
  const fileRows = new Counter({
    name: "sentiment_file_rows_total",
    help: "Rows scored through /v1/predict/file",
    registers: [registry],
  });

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const labelsOf = (a: ActiveModel) => ({
    id: a.entry.id,
    version: a.entry.version ?? "",
    family: a.metadata.family,
    model_id: a.metadata.id,
  });

  return {
    registry,
    feedback,
    fileRows,
    countPredictions(list) {
      let pos = 0;
      for (const p of list) if (p.label === "positive") pos++;
      if (pos) predictions.inc({ label: "positive" }, pos);
      if (list.length - pos) predictions.inc({ label: "negative" }, list.length - pos);
    },
    setActiveModel(active, previous) {
      if (previous) {
        activeModel.remove(labelsOf(previous));
        swaps.inc();
      }
      activeModel.set(labelsOf(active), 1);
    },
  };
}
