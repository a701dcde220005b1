// GET /v1/models, POST /v1/models/{id}/activate (hot swap), and each model's evaluation report.
import { readFile, stat } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { type ReportPlots, renderHtml, renderPlots } from "../../eval/report.ts";
import type { EvalReport } from "../../eval/types.ts";
import type { ServeContext } from "../context.ts";
import { errors } from "../errors.ts";
import type { ActiveModel } from "../modelHolder.ts";
import type { ModelEntry } from "../modelSource.ts";

const errorResponses = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;
const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 200 } },
} as const;

function describeActive(active: ActiveModel) {
  return {
    id: active.entry.id,
    version: active.entry.version,
    family: active.metadata.family,
    modelId: active.metadata.id,
    loadedAt: active.loadedAt,
    loadSeconds: active.loadSeconds,
    hasReport: active.entry.reportPath !== null,
    metadata: active.metadata,
  };
}

/** Same model: same id and the same file, or the same content (version = content hash). */
function isActive(entry: ModelEntry, active: ActiveModel): boolean {
  if (entry.id !== active.entry.id) return false;
  return (
    entry.spec === active.entry.spec || (entry.version !== null && entry.version === active.entry.version)
  );
}

function describeEntry(entry: ModelEntry, active: ActiveModel) {
  return {
    id: entry.id,
    active: isActive(entry, active),
    version: entry.version,
    family: entry.family,
    modelId: entry.modelId,
    createdAt: entry.createdAt,
    sizeBytes: entry.sizeBytes,
    hasReport: entry.reportPath !== null,
    error: entry.error,
  };
}

export const PLOT_NAMES = ["confusion", "roc", "reliability", "histogram", "robustness"] as const;
type PlotName = (typeof PLOT_NAMES)[number];

export async function modelRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { holder, source } = ctx;
  // Parsed reports and rendered plots, per report file version (path + mtime).
  const reports = new Map<string, { key: string; report: EvalReport; plots?: ReportPlots }>();

  async function loadReport(entry: ModelEntry) {
    if (!entry.reportPath) throw errors.reportNotFound(entry.id);
    const key = String((await stat(entry.reportPath)).mtimeMs);
    const hit = reports.get(entry.reportPath);
    if (hit && hit.key === key) return hit;
    let report: EvalReport;
    try {
      report = JSON.parse(await readFile(entry.reportPath, "utf8"));
    } catch (err) {
      throw errors.badReport(entry.id, (err as Error).message);
    }
    if (report?.schemaVersion !== 1 || !report.metrics)
      throw errors.badReport(entry.id, "not an evaluation report (schemaVersion 1)");
    const fresh = { key, report } as { key: string; report: EvalReport; plots?: ReportPlots };
    reports.set(entry.reportPath, fresh);
    return fresh;
  }

  /** The entry for an id: the active model (even when it is not in the source) or one the source lists. */
  async function findEntry(id: string): Promise<ModelEntry> {
    const entry = await source.get(id);
    if (entry) return entry;
    if (holder.current.entry.id === id) return holder.current.entry;
    throw errors.modelNotFound(
      id,
      (await source.list()).map((e) => e.id),
    );
  }

  app.get(
    "/models",
    {
      schema: {
        summary: "Models available to serve, and the active one",
        tags: ["models"],
        response: {
          200: {
            type: "object",
            required: ["source", "active", "models"],
            properties: {
              source: {
                type: "object",
                required: ["kind", "location"],
                properties: { kind: { type: "string" }, location: { type: "string" } },
              },
              active: { $ref: "ActiveModel#" },
              models: { type: "array", items: { $ref: "ModelEntry#" } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const active = holder.current;
      const entries = await source.list();
      // The active model may come from outside the folder (--model path): list it too.
      if (!entries.some((e) => isActive(e, active))) entries.unshift(active.entry);
      return {
        source: { kind: source.kind, location: source.location },
        active: describeActive(active),
        models: entries.map((e) => describeEntry(e, active)),
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    "/models/:id/activate",
    {
      schema: {
        summary: "Hot-swap the served model",
        description:
          "Loads the model completely and checks it on a test review, then switches atomically: requests " +
          "already running finish on the previous model, later ones use the new one. On failure the previous " +
          "model keeps serving.",
        tags: ["models"],
        params: idParams,
        response: {
          200: {
            type: "object",
            required: ["active", "previous"],
            properties: {
              active: { $ref: "ActiveModel#" },
              previous: { $ref: "ModelRef#" },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const entry = await findEntry(request.params.id);
      const previous = holder.current;
      let active: ActiveModel;
      try {
        active = await holder.swap(source, entry);
      } catch (err) {
        throw errors.modelUnloadable(entry.id, (err as Error).message);
      }
      request.log.info(
        { model: entry.id, version: entry.version, seconds: active.loadSeconds },
        "model activated",
      );
      return {
        active: describeActive(active),
        previous: {
          id: previous.entry.id,
          version: previous.entry.version,
          family: previous.metadata.family,
          modelId: previous.metadata.id,
        },
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/models/:id/report",
    {
      schema: {
        summary: "The model's evaluation report (metrics, confusion matrix, curves)",
        description:
          "The EvalReport JSON written by `sentiment evaluate` beside the model file as <id>.report.json.",
        tags: ["models"],
        params: idParams,
        response: { 200: { type: "object", additionalProperties: true }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { report } = await loadReport(await findEntry(request.params.id));
      reply.type("application/json; charset=utf-8");
      return JSON.stringify(report);
    },
  );

  await reportViews(app, findEntry, loadReport);
}

/** Routes that render a model's report: its plots as SVG and the whole report as one HTML page. */
export async function reportViews(
  app: FastifyInstance,
  find: (id: string) => Promise<ModelEntry>,
  load: (entry: ModelEntry) => Promise<{ report: EvalReport; plots?: ReportPlots }>,
): Promise<void> {
  app.get<{ Params: { id: string; name: PlotName } }>(
    "/models/:id/plots/:name",
    {
      schema: {
        summary: "One plot of the model's evaluation report, as SVG",
        tags: ["models"],
        params: {
          type: "object",
          required: ["id", "name"],
          properties: { id: idParams.properties.id, name: { type: "string", enum: [...PLOT_NAMES] } },
        },
        produces: ["image/svg+xml"],
        response: { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } },
      },
    },
    async (request, reply) => {
      const entry = await find(request.params.id);
      const cached = await load(entry);
      cached.plots ??= renderPlots(cached.report);
      const svg = cached.plots[request.params.name];
      if (svg === null) throw errors.reportNotFound(`${entry.id} (${request.params.name} plot)`);
      reply.type("image/svg+xml; charset=utf-8").header("cache-control", "no-cache");
      return svg;
    },
  );

  app.get<{ Params: { id: string } }>(
    "/models/:id/report.html",
    {
      schema: {
        summary: "The model's evaluation report as one self-contained HTML page",
        tags: ["models"],
        params: idParams,
        produces: ["text/html"],
        response: { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } },
      },
    },
    async (request, reply) => {
      const { report } = await load(await find(request.params.id));
      reply.type("text/html; charset=utf-8");
      return renderHtml(report);
    },
  );
}
