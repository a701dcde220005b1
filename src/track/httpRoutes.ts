// Read-only HTTP API over the experiment tracker, for the web UI's Experiments page (runs table, metric
// curves, side-by-side compare, registry). A Fastify plugin the server mounts under its prefix:
//   await v1.register(trackingRoutes, { tracker });
//   GET /experiments                         experiments
//   GET /runs?experiment=&status=&parent=&limit=   run summaries, newest first
//   GET /runs/compare?ids=<id>,<id>[,...]    params (with differs flags) and metrics (with best) side by side
//   GET /runs/:id                            params, latest metrics, tags, artifact list
//   GET /runs/:id/metric-history?key=<k>     every logged point of one metric (the curve)
//   GET /runs/:id/artifacts/<path>           one artifact file (reports, plots), local stores only
//   GET /registered-models                   models with versions and aliases
// Errors use the server's body shape {statusCode, code, error, message} with SA_ERR_TRACK_* codes.
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { UserError } from "../util/errors.ts";
import { compareRuns, findRun, listRuns, metricHistory, runDetail } from "./runViews.ts";
import type { RunStatus, Tracker } from "./tracker.ts";

export interface TrackingRoutesOptions {
  tracker: Tracker;
}

const STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".html": "text/html; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".csv": "text/csv; charset=utf-8",
};

function fail(reply: FastifyReply, statusCode: number, code: string, message: string) {
  const error = statusCode === 404 ? "Not Found" : "Bad Request";
  return reply.code(statusCode).send({ statusCode, code, error, message });
}

/** UserErrors from the views are "not found" or "bad request"; anything else is the server's 500. */
function userFailure(reply: FastifyReply, err: unknown) {
  if (!(err instanceof UserError)) throw err;
  const notFound = /^no run|does not exist|has no artifact/.test(err.message);
  return fail(
    reply,
    notFound ? 404 : 400,
    notFound ? "SA_ERR_TRACK_NOT_FOUND" : "SA_ERR_TRACK_BAD_REQUEST",
    err.message,
  );
}

const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 4, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" } },
} as const;

export async function trackingRoutes(app: FastifyInstance, options: TrackingRoutesOptions): Promise<void> {
  const { tracker } = options;

  app.get(
    "/experiments",
    { schema: { summary: "Experiments of the tracking store", tags: ["experiments"] } },
    async () => ({
      uri: tracker.uri,
      experiments: await tracker.listExperiments(),
    }),
  );

  app.get<{ Querystring: { experiment?: string; status?: string; parent?: string; limit?: number } }>(
    "/runs",
    {
      schema: {
        summary: "Runs, newest first",
        tags: ["experiments"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            experiment: { type: "string", maxLength: 500 },
            status: { type: "string", enum: STATUSES },
            parent: { type: "string", maxLength: 64 },
            limit: { type: "integer", minimum: 1, maximum: 10000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        runs: await listRuns(tracker, {
          experiment: q.experiment,
          status: q.status as RunStatus | undefined,
          parentRunId: q.parent,
          limit: q.limit,
        }),
      };
    },
  );

  app.get<{ Querystring: { ids: string } }>(
    "/runs/compare",
    {
      schema: {
        summary: "Params and metrics of several runs side by side",
        tags: ["experiments"],
        querystring: {
          type: "object",
          required: ["ids"],
          additionalProperties: false,
          properties: { ids: { type: "string", minLength: 9, maxLength: 2000 } },
        },
      },
    },
    async (request, reply) => {
      try {
        return await compareRuns(tracker, request.query.ids.split(",").filter(Boolean));
      } catch (err) {
        return userFailure(reply, err);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    "/runs/:id",
    {
      schema: {
        summary: "One run: params, latest metrics, tags, artifacts",
        tags: ["experiments"],
        params: idParams,
      },
    },
    async (request, reply) => {
      try {
        return await runDetail(tracker, request.params.id);
      } catch (err) {
        return userFailure(reply, err);
      }
    },
  );

  app.get<{ Params: { id: string }; Querystring: { key: string } }>(
    "/runs/:id/metric-history",
    {
      schema: {
        summary: "Every logged point of one metric",
        tags: ["experiments"],
        params: idParams,
        querystring: {
          type: "object",
          required: ["key"],
          additionalProperties: false,
          properties: { key: { type: "string", minLength: 1, maxLength: 250 } },
        },
      },
    },
    async (request, reply) => {
      try {
        const points = await metricHistory(tracker, request.params.id, request.query.key);
        return {
          key: request.query.key,
          points: points.map((p) => ({ step: p.step, value: p.value, timestamp: p.timestamp })),
        };
      } catch (err) {
        return userFailure(reply, err);
      }
    },
  );

  app.get<{ Params: { id: string; "*": string } }>(
    "/runs/:id/artifacts/*",
    { schema: { summary: "One artifact file of a run", tags: ["experiments"] } },
    async (request, reply) => {
      try {
        const run = await findRun(tracker, request.params.id);
        const rel = request.params["*"];
        // The embedded store checks the path stays inside the run's folder; a server store downloads it.
        const path = await tracker.fetchRunArtifact(run.info.runId, rel);
        if (!(await stat(path)).isFile())
          return fail(reply, 404, "SA_ERR_TRACK_NOT_FOUND", `"${rel}" is a folder, not a file`);
        const body = await readFile(path);
        // Reports are our own files, but never let an artifact run script in the API's origin.
        reply.header(
          "content-security-policy",
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        );
        reply.header("x-content-type-options", "nosniff");
        return reply
          .type(CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream")
          .send(body);
      } catch (err) {
        return userFailure(reply, err);
      }
    },
  );

  app.get(
    "/registered-models",
    { schema: { summary: "Model registry: models, versions, aliases", tags: ["experiments"] } },
    async () => {
      const models = await tracker.registry.listRegisteredModels();
      return {
        models: await Promise.all(
          models.map(async (m) => ({ ...m, versions: await tracker.registry.listModelVersions(m.name) })),
        ),
      };
    },
  );
}
