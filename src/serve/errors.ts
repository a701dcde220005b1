// The server's error catalog and its one error handler. Every error a client can cause maps to a 4xx
// JSON body `{statusCode, code, error, message}`; anything else is logged and answered with a 500 that
// leaks no internals. Codes are SA_ERR_SERVE_<WHAT>; docs/README list them.
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DataError, ModelFileError, UserError } from "../util/errors.ts";

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

/** JSON schema of ErrorBody, shared by every route's 4xx/5xx responses. */
export const errorBodySchema = {
  $id: "ErrorBody",
  type: "object",
  required: ["statusCode", "code", "error", "message"],
  properties: {
    statusCode: { type: "integer" },
    code: { type: "string", examples: ["SA_ERR_SERVE_EMPTY_TEXT"] },
    error: { type: "string", examples: ["Bad Request"] },
    message: { type: "string" },
  },
} as const;

export const errors = {
  emptyText: (field: string) =>
    new ApiError(
      400,
      "SA_ERR_SERVE_EMPTY_TEXT",
      `${field} is empty (or only whitespace); send the review text`,
    ),
  textOrTexts: () =>
    new ApiError(
      400,
      "SA_ERR_SERVE_TEXT_OR_TEXTS",
      'send exactly one of "text" (a string) or "texts" (an array of strings), e.g. {"text": "Great film"}',
    ),
  badUtf8: (offset: number) =>
    new ApiError(
      400,
      "SA_ERR_SERVE_BAD_UTF8",
      `request body is not valid UTF-8 (invalid byte sequence at byte ${offset}); encode the JSON as UTF-8`,
    ),
  invalidJson: (reason: string) =>
    new ApiError(400, "SA_ERR_SERVE_INVALID_JSON", `request body is not valid JSON: ${reason}`),
  badCharset: (charset: string) =>
    new ApiError(
      415,
      "SA_ERR_SERVE_BAD_CHARSET",
      `JSON bodies must be UTF-8 (RFC 8259); got charset "${charset}". Re-encode the body as UTF-8`,
    ),
  modelNotFound: (id: string, known: string[]) =>
    new ApiError(
      404,
      "SA_ERR_SERVE_MODEL_NOT_FOUND",
      `no model "${id}" in the models directory; available: ${known.length ? known.join(", ") : "(none)"}`,
    ),
  modelUnloadable: (id: string, reason: string) =>
    new ApiError(
      422,
      "SA_ERR_SERVE_MODEL_UNLOADABLE",
      `model "${id}" cannot be loaded, still serving the previous one: ${reason}`,
    ),
  reportNotFound: (id: string) =>
    new ApiError(
      404,
      "SA_ERR_SERVE_REPORT_NOT_FOUND",
      `model "${id}" has no evaluation report (${id}.report.json)`,
    ),
  badReport: (id: string, reason: string) =>
    new ApiError(
      422,
      "SA_ERR_SERVE_BAD_REPORT",
      `the evaluation report of model "${id}" cannot be read: ${reason}`,
    ),
  trackingOff: () =>
    new ApiError(
      404,
      "SA_ERR_SERVE_TRACKING_OFF",
      "experiment tracking is not connected to this server; start it with --registry <tracking URI> " +
        "(or set MLFLOW_TRACKING_URI, or run it from the folder that holds ./mlruns)",
    ),
  runNotFound: (message: string) => new ApiError(404, "SA_ERR_SERVE_RUN_NOT_FOUND", message),
  unauthorized: () =>
    new ApiError(
      401,
      "SA_ERR_SERVE_UNAUTHORIZED",
      "missing or wrong API key; send it as 'x-api-key: <key>' or 'Authorization: Bearer <key>'",
    ),
  badUpload: (message: string) => new ApiError(400, "SA_ERR_SERVE_BAD_UPLOAD", message),
  fileTooLarge: (limit: number) =>
    new ApiError(
      413,
      "SA_ERR_SERVE_FILE_TOO_LARGE",
      `uploaded file is larger than the ${limit}-byte limit; split it`,
    ),
  tooManyRows: (limit: number) =>
    new ApiError(413, "SA_ERR_SERVE_TOO_MANY_ROWS", `uploaded file has more than ${limit} rows; split it`),
  notFound: (method: string, url: string) =>
    new ApiError(404, "SA_ERR_SERVE_NOT_FOUND", `no route ${method} ${url}; see /docs for the API`),
} as const;

/** Fastify's own codes that deserve a friendlier message. */
const FASTIFY_ERRORS: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: "SA_ERR_SERVE_INVALID_JSON",
    message: "request body is not valid JSON",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: "SA_ERR_SERVE_EMPTY_BODY",
    message: "request body is empty; send a JSON object",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "SA_ERR_SERVE_BODY_TOO_LARGE" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "SA_ERR_SERVE_UNSUPPORTED_MEDIA_TYPE",
    message: "unsupported Content-Type; send application/json (or multipart/form-data for /v1/predict/file)",
  },
  FST_REQ_FILE_TOO_LARGE: { code: "SA_ERR_SERVE_FILE_TOO_LARGE" },
};

function body(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? "Error", message };
}

/** Map any thrown value to a status and body. Exported for tests. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ApiError) return body(err.statusCode, err.code, err.message);
  if (err instanceof ModelFileError) return body(422, "SA_ERR_SERVE_MODEL_FILE", err.message);
  if (err instanceof DataError) return body(400, "SA_ERR_SERVE_BAD_DATA", err.message);
  if (err instanceof UserError) return body(400, "SA_ERR_SERVE_BAD_REQUEST", err.message);
  const e = err as Partial<FastifyError>;
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    if (e.validation) return body(400, "SA_ERR_SERVE_VALIDATION", e.message ?? "invalid request");
    const known = e.code ? FASTIFY_ERRORS[e.code] : undefined;
    return body(
      status,
      known?.code ?? e.code ?? "SA_ERR_SERVE_BAD_REQUEST",
      known?.message ?? e.message ?? "bad request",
    );
  }
  return body(500, "SA_ERR_SERVE_INTERNAL", "internal server error; the server log has details");
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** One clear sentence for the first schema violation, naming the field (Ajv's default omits unknown keys' names). */
export function formatSchemaError(list: SchemaError[], dataVar: string): Error {
  const e = list[0];
  const where = `${dataVar}${e.instancePath}`;
  let message: string;
  if (e.keyword === "additionalProperties") {
    message = `${where} has an unknown property "${String(e.params.additionalProperty)}"`;
  } else if (e.keyword === "required") {
    message = `${where} is missing the required property "${String(e.params.missingProperty)}"`;
  } else if (e.keyword === "enum") {
    message = `${where} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
  } else {
    message = `${where} ${e.message ?? "is invalid"}`;
  }
  return new Error(message);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const out = toErrorBody(err);
    if (out.statusCode >= 500) request.log.error({ err }, "request failed");
    // Only the code: messages can quote the request (JSON syntax errors show a snippet of the body).
    else request.log.info({ code: out.code, statusCode: out.statusCode }, "request rejected");
    if (reply.sent) return;
    reply.code(out.statusCode).type("application/json; charset=utf-8").send(out);
  });
  app.setNotFoundHandler((request, reply) => {
    const out = toErrorBody(errors.notFound(request.method, request.url.split("?")[0]));
    reply.code(404).send(out);
  });
}
