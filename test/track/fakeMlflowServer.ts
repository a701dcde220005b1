// A local stand-in for an MLflow tracking server, for testing the REST client. Every request is
// checked against MLflow's documented REST API 2.0 (method, path, and the fields with their types:
// query string for GET, JSON body otherwise, as MLflow's server reads them; unknown fields are
// rejected), and answered with the documented response shapes from a small in-memory store. A request
// that breaks the contract gets HTTP 400 and is recorded in `violations`, so a test fails on any deviation.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

const kv = z.object({ key: z.string().min(1), value: z.string() }).strict();
const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);
const double = z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]);
const status = z.enum(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]);
const q = z.string(); // query values arrive as strings

/** The documented endpoints this client uses: "<METHOD> <path>" -> request schema. */
const API: Record<string, z.ZodType> = {
  "GET experiments/get-by-name": z.object({ experiment_name: q.min(1) }).strict(),
  "POST experiments/create": z
    .object({
      name: z.string().min(1),
      artifact_location: z.string().optional(),
      tags: z.array(kv).optional(),
    })
    .strict(),
  "POST experiments/search": z
    .object({
      max_results: int64.optional(),
      page_token: z.string().optional(),
      filter: z.string().optional(),
      order_by: z.array(z.string()).optional(),
      view_type: z.enum(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]).optional(),
    })
    .strict(),
  "POST runs/create": z
    .object({
      experiment_id: z.string().min(1),
      user_id: z.string().optional(),
      run_name: z.string().optional(),
      start_time: int64.optional(),
      tags: z.array(kv).optional(),
    })
    .strict(),
  "POST runs/log-batch": z
    .object({
      run_id: z.string().min(1),
      metrics: z
        .array(
          z
            .object({ key: z.string().min(1), value: double, timestamp: int64, step: int64.optional() })
            .strict(),
        )
        .max(1000)
        .optional(),
      params: z.array(kv).max(100).optional(),
      tags: z.array(kv).max(100).optional(),
    })
    .strict()
    .refine((b) => (b.metrics?.length ?? 0) + (b.params?.length ?? 0) + (b.tags?.length ?? 0) <= 1000, {
      message: "no more than 1000 metrics, params and tags in total",
    }),
  "POST runs/update": z
    .object({
      run_id: z.string().min(1),
      run_uuid: z.string().optional(),
      status: status.optional(),
      end_time: int64.optional(),
      run_name: z.string().optional(),
    })
    .strict(),
  "POST runs/set-tag": z
    .object({
      run_id: z.string().min(1),
      run_uuid: z.string().optional(),
      key: z.string().min(1),
      value: z.string(),
    })
    .strict(),
  "GET runs/get": z.object({ run_id: q.min(1) }).strict(),
  "POST runs/search": z
    .object({
      experiment_ids: z.array(z.string()).min(1),
      filter: z.string().optional(),
      run_view_type: z.enum(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]).optional(),
      max_results: z.number().int().min(1).max(50000).optional(),
      order_by: z.array(z.string()).optional(),
      page_token: z.string().optional(),
    })
    .strict(),
  "GET metrics/get-history": z
    .object({ run_id: q.min(1), metric_key: q.min(1), page_token: q.optional(), max_results: q.optional() })
    .strict(),
  "POST registered-models/create": z
    .object({ name: z.string().min(1), tags: z.array(kv).optional(), description: z.string().optional() })
    .strict(),
  "GET registered-models/get": z.object({ name: q.min(1) }).strict(),
  "GET registered-models/search": z
    .object({
      filter: q.optional(),
      max_results: q.optional(),
      order_by: q.optional(),
      page_token: q.optional(),
    })
    .strict(),
  "POST model-versions/create": z
    .object({
      name: z.string().min(1),
      source: z.string().min(1),
      run_id: z.string().optional(),
      tags: z.array(kv).optional(),
      run_link: z.string().optional(),
      description: z.string().optional(),
    })
    .strict(),
  "GET model-versions/get": z.object({ name: q.min(1), version: q.regex(/^\d+$/) }).strict(),
  "GET model-versions/search": z
    .object({
      filter: q.optional(),
      max_results: q.optional(),
      order_by: q.optional(),
      page_token: q.optional(),
    })
    .strict(),
  "POST model-versions/set-tag": z
    .object({
      name: z.string().min(1),
      version: z.string().regex(/^\d+$/),
      key: z.string().min(1),
      value: z.string(),
    })
    .strict(),
  "POST registered-models/alias": z
    .object({ name: z.string().min(1), alias: z.string().min(1), version: z.string().regex(/^\d+$/) })
    .strict(),
  "DELETE registered-models/alias": z.object({ name: z.string().min(1), alias: z.string().min(1) }).strict(),
  "GET registered-models/alias": z.object({ name: q.min(1), alias: q.min(1) }).strict(),
};

interface Run {
  info: Record<string, unknown> & { run_id: string; experiment_id: string; status: string };
  metrics: { key: string; value: number | string; timestamp: number; step: number }[];
  params: Map<string, string>;
  tags: Map<string, string>;
}

export interface FakeMlflow {
  url: string;
  requests: { method: string; path: string; body: unknown; authorization?: string }[];
  violations: string[];
  artifacts: Map<string, Buffer>;
  runs: Map<string, Run>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeMlflow(): Promise<FakeMlflow> {
  const experiments = new Map<string, { experiment_id: string; name: string; artifact_location: string }>([
    ["0", { experiment_id: "0", name: "Default", artifact_location: "mlflow-artifacts:/0" }],
  ]);
  const runs = new Map<string, Run>();
  const models = new Map<
    string,
    {
      name: string;
      creation_timestamp: number;
      versions: Record<string, unknown>[];
      aliases: Map<string, string>;
    }
  >();
  const artifacts = new Map<string, Buffer>();
  const requests: FakeMlflow["requests"] = [];
  const violations: string[] = [];
  let nextExp = 1;
  let nextRun = 1;

  const runJson = (r: Run) => {
    const latest = new Map<string, Run["metrics"][number]>();
    for (const m of r.metrics) {
      const cur = latest.get(m.key);
      if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp))
        latest.set(m.key, m);
    }
    return {
      info: r.info,
      data: {
        metrics: [...latest.values()],
        params: [...r.params].map(([key, value]) => ({ key, value })),
        tags: [...r.tags].map(([key, value]) => ({ key, value })),
      },
    };
  };
  const getRun = (id: string) => {
    const r = runs.get(id);
    if (!r) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Run '${id}' not found`);
    return r;
  };
  const getModel = (name: string) => {
    const m = models.get(name);
    if (!m)
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Registered Model with name=${name} not found`);
    return m;
  };
  const modelJson = (m: NonNullable<ReturnType<typeof models.get>>) => ({
    name: m.name,
    creation_timestamp: m.creation_timestamp,
    last_updated_timestamp: m.creation_timestamp,
    latest_versions: m.versions.slice(-1),
    aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })),
  });
  const versionJson = (m: NonNullable<ReturnType<typeof models.get>>, v: Record<string, unknown>) => ({
    ...v,
    aliases: [...m.aliases].filter(([, ver]) => ver === v.version).map(([a]) => a),
  });

  // biome-ignore lint/suspicious/noExplicitAny: request bodies are validated by the schemas above
  const handlers: Record<string, (b: any) => unknown> = {
    "GET experiments/get-by-name": (b) => {
      const e = [...experiments.values()].find((x) => x.name === b.experiment_name);
      if (!e)
        throw new ApiError(
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Could not find experiment with name '${b.experiment_name}'`,
        );
      return { experiment: { ...e, lifecycle_stage: "active", creation_time: 1, last_update_time: 1 } };
    },
    "POST experiments/create": (b) => {
      if ([...experiments.values()].some((x) => x.name === b.name)) {
        throw new ApiError(400, "RESOURCE_ALREADY_EXISTS", `Experiment '${b.name}' already exists.`);
      }
      const id = String(nextExp++);
      experiments.set(id, { experiment_id: id, name: b.name, artifact_location: `mlflow-artifacts:/${id}` });
      return { experiment_id: id };
    },
    "POST experiments/search": () => ({
      experiments: [...experiments.values()].map((e) => ({ ...e, lifecycle_stage: "active" })),
    }),
    "POST runs/create": (b) => {
      const exp = experiments.get(b.experiment_id);
      if (!exp)
        throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `No Experiment with id=${b.experiment_id} exists`);
      const id = (nextRun++).toString(16).padStart(32, "0");
      const tags = new Map<string, string>(
        (b.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value]),
      );
      const name = b.run_name ?? `run-${id.slice(-4)}`;
      tags.set("mlflow.runName", name);
      const run: Run = {
        info: {
          run_id: id,
          run_uuid: id,
          run_name: name,
          experiment_id: b.experiment_id,
          user_id: b.user_id ?? "",
          status: "RUNNING",
          start_time: Number(b.start_time),
          artifact_uri: `${exp.artifact_location}/${id}/artifacts`,
          lifecycle_stage: "active",
        },
        metrics: [],
        params: new Map(),
        tags,
      };
      runs.set(id, run);
      return { run: runJson(run) };
    },
    "POST runs/log-batch": (b) => {
      const run = getRun(b.run_id);
      for (const p of b.params ?? []) {
        const old = run.params.get(p.key);
        if (old !== undefined && old !== p.value) {
          throw new ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            `Changing param values is not allowed. Param with key='${p.key}'`,
          );
        }
        run.params.set(p.key, p.value);
      }
      for (const t of b.tags ?? []) run.tags.set(t.key, t.value);
      for (const m of b.metrics ?? [])
        run.metrics.push({ ...m, timestamp: Number(m.timestamp), step: Number(m.step ?? 0) });
      return {};
    },
    "POST runs/update": (b) => {
      const run = getRun(b.run_id);
      if (b.status) run.info.status = b.status;
      if (b.end_time !== undefined) run.info.end_time = Number(b.end_time);
      return { run_info: run.info };
    },
    "POST runs/set-tag": (b) => {
      getRun(b.run_id).tags.set(b.key, b.value);
      return {};
    },
    "GET runs/get": (b) => ({ run: runJson(getRun(b.run_id)) }),
    "POST runs/search": (b) => {
      let list = [...runs.values()].filter((r) => b.experiment_ids.includes(r.info.experiment_id));
      const parent = /tags\.mlflow\.parentRunId = '([^']*)'/.exec(b.filter ?? "");
      if (parent) list = list.filter((r) => r.tags.get("mlflow.parentRunId") === parent[1]);
      list.sort((x, y) => Number(y.info.start_time) - Number(x.info.start_time));
      return { runs: list.slice(0, b.max_results ?? 1000).map(runJson) };
    },
    "GET metrics/get-history": (b) => ({
      metrics: getRun(b.run_id).metrics.filter((m) => m.key === b.metric_key),
    }),
    "POST registered-models/create": (b) => {
      if (models.has(b.name))
        throw new ApiError(
          400,
          "RESOURCE_ALREADY_EXISTS",
          `Registered Model (name=${b.name}) already exists.`,
        );
      models.set(b.name, { name: b.name, creation_timestamp: Date.now(), versions: [], aliases: new Map() });
      return { registered_model: modelJson(getModel(b.name)) };
    },
    "GET registered-models/get": (b) => ({ registered_model: modelJson(getModel(b.name)) }),
    "GET registered-models/search": () => ({ registered_models: [...models.values()].map(modelJson) }),
    "POST model-versions/create": (b) => {
      const m = getModel(b.name);
      const v = {
        name: b.name,
        version: String(m.versions.length + 1),
        creation_timestamp: Date.now(),
        last_updated_timestamp: Date.now(),
        source: b.source,
        run_id: b.run_id ?? "",
        status: "READY",
        current_stage: "None",
        tags: b.tags ?? [],
      };
      m.versions.push(v);
      return { model_version: versionJson(m, v) };
    },
    "GET model-versions/get": (b) => {
      const m = getModel(b.name);
      const v = m.versions.find((x) => x.version === b.version);
      if (!v)
        throw new ApiError(
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Model Version (name=${b.name}, version=${b.version}) not found`,
        );
      return { model_version: versionJson(m, v) };
    },
    "GET model-versions/search": (b) => {
      const name = /name='([^']*)'/.exec(b.filter ?? "")?.[1];
      const m = name ? models.get(name) : undefined;
      return { model_versions: m ? m.versions.map((v) => versionJson(m, v)) : [] };
    },
    "POST model-versions/set-tag": (b) => {
      const v = getModel(b.name).versions.find((x) => x.version === b.version);
      if (!v) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", "Model Version not found");
      v.tags = [
        ...(v.tags as { key: string }[]).filter((t) => t.key !== b.key),
        { key: b.key, value: b.value },
      ];
      return {};
    },
    "POST registered-models/alias": (b) => {
      const m = getModel(b.name);
      if (!m.versions.some((v) => v.version === b.version))
        throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", "no such version");
      m.aliases.set(b.alias, b.version);
      return {};
    },
    "DELETE registered-models/alias": (b) => {
      getModel(b.name).aliases.delete(b.alias);
      return {};
    },
    "GET registered-models/alias": (b) => {
      const m = getModel(b.name);
      const version = m.aliases.get(b.alias);
      const v = m.versions.find((x) => x.version === version);
      if (!v)
        throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `Registered model alias ${b.alias} not found.`);
      return { model_version: versionJson(m, v) };
    },
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const raw = await readBody(req);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const art = /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/(.+)$/.exec(url.pathname);
    if (art) {
      const path = decodeURIComponent(art[1]);
      requests.push({ method: req.method ?? "", path: `artifacts/${path}`, body: raw.length });
      if (req.method === "PUT") {
        artifacts.set(path, raw);
        return send(200, {});
      }
      if (req.method === "GET" && artifacts.has(path)) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return res.end(artifacts.get(path));
      }
      return send(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "no such artifact" });
    }
    const m = /^\/api\/2\.0\/mlflow\/(.+)$/.exec(url.pathname);
    const key = `${req.method} ${m?.[1] ?? url.pathname}`;
    const schema = API[key];
    let body: unknown;
    if (req.method === "GET") {
      body = Object.fromEntries(url.searchParams);
    } else {
      if (req.headers["content-type"] !== "application/json")
        violations.push(`${key}: content-type is not application/json`);
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        violations.push(`${key}: body is not JSON`);
        return send(400, { error_code: "MALFORMED_REQUEST", message: "invalid JSON" });
      }
    }
    requests.push({
      method: req.method ?? "",
      path: m?.[1] ?? url.pathname,
      body,
      authorization: req.headers.authorization,
    });
    if (!schema) {
      violations.push(`${key}: not a documented endpoint`);
      return send(404, { error_code: "ENDPOINT_NOT_FOUND", message: `no endpoint ${key}` });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      violations.push(`${key}: ${parsed.error.message}`);
      return send(400, { error_code: "INVALID_PARAMETER_VALUE", message: parsed.error.message });
    }
    try {
      send(200, handlers[key](parsed.data));
    } catch (err) {
      if (err instanceof ApiError) return send(err.status, { error_code: err.code, message: err.message });
      send(500, { error_code: "INTERNAL_ERROR", message: String(err) });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    artifacts,
    runs,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
