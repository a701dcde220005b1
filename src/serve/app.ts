// buildApp(options): the whole HTTP service as a Fastify instance that does not listen (tests use
// app.inject; server.ts listens). Route groups are plugins: /v1 (API key, rate limit, predict, explain,
// file scoring, models, feedback), probes and metrics at the root, OpenAPI docs at /docs, the web UI at /.
import { timingSafeEqual } from "node:crypto";
import { basename, extname, join } from "node:path";
import cors from "@fastify/cors";
import multipart from "@fastify/multipart";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { PROJECT_ROOT } from "../models/registry.ts";
import type { Tracker } from "../track/tracker.ts";
import { ModelFileError } from "../util/errors.ts";
import type { ServeConfig } from "./config.ts";
import type { ServeContext } from "./context.ts";
import { ApiError, errorBodySchema, errors, formatSchemaError, installErrorHandlers } from "./errors.ts";
import { FeedbackStore } from "./feedbackStore.ts";
import { installJsonParser } from "./jsonBody.ts";
import { createMetrics } from "./metrics.ts";
import { type ActiveModel, loadAndCheck, ModelHolder } from "./modelHolder.ts";
import { DirectoryModelSource, describeModelPath, type ModelEntry, type ModelSource } from "./modelSource.ts";
import { feedbackRoutes } from "./plugins/feedback.ts";
import { fileRoutes } from "./plugins/file.ts";
import { healthRoutes } from "./plugins/health.ts";
import { modelRoutes } from "./plugins/models.ts";
import { predictRoutes } from "./plugins/predict.ts";
import { runRoutes } from "./plugins/runs.ts";
import { sharedSchemas } from "./schemas.ts";

export const WEB_ROOT = join(PROJECT_ROOT, "web");

export interface BuildAppOptions {
  config: ServeConfig;
  /** Where models are listed and loaded from; a DirectoryModelSource on config.modelsDir by default. */
  source?: ModelSource;
  /** A model already loaded (tests share one across apps); otherwise config.model is loaded. */
  initial?: ActiveModel;
  /** An open feedback store; otherwise one is opened in config.dataDir and closed with the app. */
  feedback?: FeedbackStore;
  /** Experiment tracking store for the Experiments tab (/v1/runs); those routes answer 404 without one. */
  tracker?: Tracker;
  /** Fastify logger option; defaults to pino at config.logLevel. */
  logger?: FastifyServerOptions["logger"];
}

/**
 * Resolve config.model against the source: an id the source knows ("default"), else a path or loader
 * spec. Loads and test-runs the model. @throws ModelFileError with the reason (missing, corrupt, ...).
 */
export async function loadInitialModel(config: ServeConfig, source: ModelSource): Promise<ActiveModel> {
  const spec = config.model ?? "default";
  // An id the source knows ("default", "imdb-sentiment@production"); sources reject path-like ids.
  let entry: ModelEntry | undefined = await source.get(spec);
  if (!entry) {
    const path = spec === "default" ? join(PROJECT_ROOT, "models", "default.sentiment") : spec;
    const id = spec === "default" ? "default" : basename(path, extname(path)) || path;
    entry = await describeModelPath(id, path);
    if (spec !== "default" && spec.includes(":")) entry.spec = spec; // loader specs such as hf:<folder>
  }
  try {
    return await loadAndCheck(source, entry);
  } catch (err) {
    const reason = (err as Error).message;
    throw new ModelFileError(`cannot serve model "${spec}": ${reason}`);
  }
}

function apiKeyMatches(expected: Buffer, given: string | undefined): boolean {
  if (!given) return false;
  const b = Buffer.from(given);
  return b.length === expected.length && timingSafeEqual(b, expected);
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const source: ModelSource = options.source ?? new DirectoryModelSource(config.modelsDir);
  const initial = options.initial ?? (await loadInitialModel(config, source));
  const feedback = options.feedback ?? FeedbackStore.open(config.dataDir);

  const app = Fastify({
    logger:
      options.logger ??
      ({
        level: config.logLevel,
        // Never log credentials. Review text is never logged at all: bodies are not part of request logs.
        redact: ["req.headers.authorization", 'req.headers["x-api-key"]'],
      } as const),
    bodyLimit: config.bodyLimitBytes,
    schemaErrorFormatter: formatSchemaError,
    ajv: {
      // Wrong types are errors, not coerced ({"text": 5} is a 400), and unknown keys are rejected, not dropped.
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false },
    },
  });
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  if (!options.feedback) app.addHook("onClose", async () => feedback.close());

  installJsonParser(app, config.bodyLimitBytes);
  // Plain-text bodies would reach the JSON routes as strings; reject them with a 415 instead.
  app.removeContentTypeParser("text/plain");
  installErrorHandlers(app);
  const metrics = createMetrics(app);
  const holder = new ModelHolder(initial);
  metrics.setActiveModel(initial);
  holder.onSwap((active, previous) => metrics.setActiveModel(active, previous));
  const stopWatching = source.watch?.((id) => {
    // A registry alias moved: activate it, keeping the current model if that fails.
    source
      .get(id)
      .then((entry) => (entry ? holder.swap(source, entry) : undefined))
      .then(
        (active) =>
          active && app.log.info({ model: id, version: active.entry.version }, "model changed by its source"),
      )
      .catch((err) => app.log.error({ err, model: id }, "model change from the source failed"));
  });
  if (stopWatching) app.addHook("onClose", async () => stopWatching());
  const ctx: ServeContext = { config, holder, source, feedback, metrics };
  app.log.info(
    {
      model: initial.entry.id,
      version: initial.entry.version,
      seconds: initial.loadSeconds,
      models: source.location,
    },
    "model loaded",
  );

  await app.register(swagger, {
    // Name shared schemas after their $id (ModelRef, Prediction, ...) instead of def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      info: {
        title: "IMDb sentiment API",
        version: "1.0.0",
        description:
          "Sentiment of movie reviews: predictions with probabilities and star ratings, per-token " +
          "explanations, file scoring, hot-swappable models and a feedback store.",
      },
      components: config.apiKey
        ? { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "x-api-key" } } }
        : undefined,
      security: config.apiKey ? [{ apiKey: [] }] : undefined,
    },
  });
  app.addSchema(errorBodySchema);
  for (const schema of sharedSchemas) app.addSchema(schema);

  if (config.corsOrigins.length) await app.register(cors, { origin: config.corsOrigins });

  await app.register(
    async (v1) => {
      if (config.rateLimit > 0) {
        await v1.register(rateLimit, {
          max: config.rateLimit,
          timeWindow: config.rateLimitWindow,
          errorResponseBuilder: (_request, context) =>
            new ApiError(
              429,
              "SA_ERR_SERVE_RATE_LIMITED",
              `rate limit of ${context.max} requests per ${config.rateLimitWindow} exceeded; retry in ${context.after}`,
            ),
        });
      }
      if (config.apiKey) {
        const expected = Buffer.from(config.apiKey);
        v1.addHook("onRequest", async (request) => {
          const header = request.headers["x-api-key"];
          const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
          const given = typeof header === "string" ? header : bearer;
          if (!apiKeyMatches(expected, given)) throw errors.unauthorized();
        });
      }
      await v1.register(multipart, {
        limits: { fileSize: config.maxFileBytes, files: 1, fields: 10, parts: 12 },
      });
      await v1.register(predictRoutes, ctx);
      await v1.register(fileRoutes, ctx);
      await v1.register(modelRoutes, ctx);
      await v1.register(feedbackRoutes, ctx);
      await v1.register(runRoutes, { tracker: options.tracker });
    },
    { prefix: "/v1" },
  );
  await app.register(healthRoutes, { ...ctx, isClosing: () => closing });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });
  if (config.ui) {
    await app.register(fastifyStatic, {
      root: WEB_ROOT,
      prefix: "/",
      index: "index.html",
      // The UI changes with the server: revalidate rather than cache stale scripts.
      cacheControl: true,
      maxAge: 0,
    });
  }
  return app;
}
