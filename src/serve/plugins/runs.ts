// The Experiments API behind the web UI's Experiments tab: tracked runs (src/track), one run's details
// and metric curves (as data and as SVG line charts), and side-by-side comparison of runs.
import type { FastifyInstance } from "fastify";
import { lineChart } from "../../eval/charts.ts";
import { compareRuns, listRuns, metricHistory, runDetail } from "../../track/runViews.ts";
import type { Tracker } from "../../track/tracker.ts";
import { UserError } from "../../util/errors.ts";
import { errors } from "../errors.ts";

const errorResponses = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;
const idParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 4, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" } },
} as const;
/** Curves per chart: more lines than this are unreadable. */
const MAX_SERIES = 8;

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function runRoutes(app: FastifyInstance, options: { tracker?: Tracker }): Promise<void> {
  const need = (): Tracker => {
    if (!options.tracker) throw errors.trackingOff();
    return options.tracker;
  };
  // "no run X" from the views is a missing resource, not a malformed request.
  const notFoundAware = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof UserError && /^no run /.test(err.message)) throw errors.runNotFound(err.message);
      throw err;
    }
  };

  app.get<{ Querystring: { experiment?: string; limit?: string } }>(
    "/runs",
    {
      schema: {
        summary: "Tracked runs, newest first",
        tags: ["experiments"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            experiment: { type: "string", maxLength: 200 },
            limit: { type: "string", pattern: "^[0-9]{1,4}$" },
          },
        },
        response: {
          200: {
            type: "object",
            required: ["store", "runs"],
            properties: {
              store: { type: "string" },
              runs: { type: "array", items: { type: "object", additionalProperties: true } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const tracker = need();
      const runs = await listRuns(tracker, {
        experiment: request.query.experiment || undefined,
        limit: request.query.limit ? Number(request.query.limit) : 200,
      });
      return { store: tracker.uri, runs };
    },
  );

  app.get<{ Querystring: { ids?: string } }>(
    "/runs/compare",
    {
      schema: {
        summary: "Compare runs side by side: params (with differences marked) and metrics (with the best)",
        tags: ["experiments"],
        querystring: {
          type: "object",
          required: ["ids"],
          additionalProperties: false,
          properties: {
            ids: { type: "string", minLength: 9, maxLength: 2000, description: "comma-separated run ids" },
          },
        },
        response: { 200: { type: "object", additionalProperties: true }, ...errorResponses },
      },
    },
    async (request) => notFoundAware(() => compareRuns(need(), splitList(request.query.ids))),
  );

  app.get<{ Params: { id: string } }>(
    "/runs/:id",
    {
      schema: {
        summary: "One run: params, latest metrics, tags, artifacts, points per metric",
        tags: ["experiments"],
        params: idParams,
        response: { 200: { type: "object", additionalProperties: true }, ...errorResponses },
      },
    },
    async (request) => notFoundAware(() => runDetail(need(), request.params.id)),
  );

  app.get<{ Params: { id: string; key: string } }>(
    "/runs/:id/metrics/:key",
    {
      schema: {
        summary: "Every logged point of one metric",
        tags: ["experiments"],
        params: {
          type: "object",
          required: ["id", "key"],
          properties: { id: idParams.properties.id, key: { type: "string", minLength: 1, maxLength: 250 } },
        },
        response: { 200: { type: "object", additionalProperties: true }, ...errorResponses },
      },
    },
    async (request) => ({
      key: request.params.key,
      points: await notFoundAware(() => metricHistory(need(), request.params.id, request.params.key)),
    }),
  );

  app.get<{ Querystring: { runs: string; keys: string } }>(
    "/runs/plot",
    {
      schema: {
        summary: "Metric curves as an SVG line chart: every (run, metric) pair is one line, by step",
        tags: ["experiments"],
        produces: ["image/svg+xml"],
        querystring: {
          type: "object",
          required: ["runs", "keys"],
          additionalProperties: false,
          properties: {
            runs: { type: "string", minLength: 4, maxLength: 2000, description: "comma-separated run ids" },
            keys: {
              type: "string",
              minLength: 1,
              maxLength: 2000,
              description: "comma-separated metric keys",
            },
          },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const tracker = need();
      const runIds = splitList(request.query.runs);
      const keys = splitList(request.query.keys);
      if (runIds.length * keys.length > MAX_SERIES) {
        throw errors.badUpload(
          `at most ${MAX_SERIES} curves per chart; got ${runIds.length} runs × ${keys.length} metrics`,
        );
      }
      const series = [];
      for (const id of runIds) {
        const detail = await notFoundAware(() => runDetail(tracker, id));
        for (const key of keys) {
          const points = await metricHistory(tracker, detail.runId, key);
          const name = runIds.length > 1 ? `${detail.name || detail.runId.slice(0, 8)} · ${key}` : key;
          series.push({ name, points: points.map((p) => [p.step, p.value] as const) });
        }
      }
      reply.type("image/svg+xml; charset=utf-8").header("cache-control", "no-cache");
      return lineChart({
        title: keys.length === 1 ? keys[0] : keys.join(", "),
        xLabel: "step",
        yLabel: keys.length === 1 ? keys[0] : "value",
        series,
        width: 560,
        height: 320,
      });
    },
  );
}
