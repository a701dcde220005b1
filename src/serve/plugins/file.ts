// POST /v1/predict/file: score a CSV/TSV/JSONL/JSON upload (multipart "file" field, or the raw file as
// the body with its content type) and download the rows with prediction columns added.
import { open, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { MultipartFile } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { parseTableFormat, type TableFormat, tableFormatFromPath } from "../../data/table.ts";
import { UserError } from "../../util/errors.ts";
import type { ServeContext } from "../context.ts";
import { errors } from "../errors.ts";
import { OUTPUT_FORMATS, type OutputFormat, scoreTable, TooManyRowsError } from "../fileScoring.ts";

const MEDIA_TYPES: Record<string, TableFormat> = {
  "text/csv": "csv",
  "application/csv": "csv",
  "text/tab-separated-values": "tsv",
  "application/x-ndjson": "jsonl",
  "application/jsonl": "jsonl",
  "application/x-jsonlines": "jsonl",
  "application/jsonlines": "jsonl",
  "application/json": "json",
};
const RAW_MEDIA_TYPES = Object.keys(MEDIA_TYPES).filter((t) => t !== "application/json");

const OUTPUT_TYPES: Record<OutputFormat, string> = {
  csv: "text/csv; charset=utf-8",
  tsv: "text/tab-separated-values; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
};

interface FileQuery {
  format?: string;
  output?: string;
  textColumn?: string;
}

/** Counts bytes of a raw body and stops past the limit (Fastify's bodyLimit covers parsed bodies only). */
async function* limitBytes(
  input: AsyncIterable<Uint8Array>,
  limit: number,
  state: { over: boolean },
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of input) {
    total += chunk.length;
    if (total > limit) {
      state.over = true;
      throw errors.fileTooLarge(limit);
    }
    yield chunk;
  }
}

function pickFormat(
  query: FileQuery,
  filename: string | undefined,
  mediaType: string | undefined,
): TableFormat {
  if (query.format) return parseTableFormat(query.format);
  const byName = filename ? tableFormatFromPath(filename) : undefined;
  if (byName) return byName;
  const byType = mediaType ? MEDIA_TYPES[mediaType.split(";")[0].trim().toLowerCase()] : undefined;
  if (byType) return byType;
  throw errors.badUpload(
    `cannot tell the format of ${filename ? `"${filename}"` : "the upload"}: name it .csv, .tsv, .jsonl or .json, ` +
      "send a matching Content-Type, or pass ?format=csv|tsv|jsonl|json",
  );
}

function pickOutput(query: FileQuery, input: TableFormat): OutputFormat {
  if (!query.output) return input === "csv" || input === "tsv" ? input : "jsonl";
  const o = query.output.toLowerCase() === "ndjson" ? "jsonl" : query.output.toLowerCase();
  if ((OUTPUT_FORMATS as readonly string[]).includes(o)) return o as OutputFormat;
  throw errors.badUpload(
    `unknown output format "${query.output}"; expected one of ${OUTPUT_FORMATS.join(", ")}`,
  );
}

/** Download name: the upload's name with ".predictions.<ext>", restricted to safe characters. */
function downloadName(filename: string | undefined, output: OutputFormat): string {
  const stem = (filename ?? "reviews")
    .replace(/\.gz$/i, "")
    .replace(/\.[^.]*$/, "")
    .replace(/[^\w.-]+/g, "_");
  return `${stem || "reviews"}.predictions.${output}`;
}

export async function fileRoutes(app: FastifyInstance, ctx: ServeContext): Promise<void> {
  const { config, holder, metrics } = ctx;

  // Raw uploads (curl --data-binary @reviews.csv -H 'content-type: text/csv') arrive as a stream.
  app.addContentTypeParser(RAW_MEDIA_TYPES, (_request, payload, done) => done(null, payload));

  app.post<{ Querystring: FileQuery }>(
    "/predict/file",
    {
      schema: {
        summary: "Score a CSV, TSV, JSONL or JSON file",
        description:
          'Upload as multipart/form-data (field "file") or as the raw body with Content-Type text/csv, ' +
          "text/tab-separated-values or application/x-ndjson. The text column is found by name (text, review, " +
          "content, ...) or given as ?textColumn=. The response is the input rows with pred_label, " +
          "pred_confidence, pred_p_negative, pred_p_positive and pred_rating added (a name the input " +
          "already has gets one more pred_ prefix), as CSV/TSV/JSONL " +
          `(?output=, default: the input's format). At most ${config.maxFileRows} rows and ` +
          `${config.maxFileBytes} bytes; every row must have a text, or the whole file is rejected with the ` +
          "bad rows listed. Gzipped uploads (.gz) are accepted.",
        tags: ["predict"],
        consumes: ["multipart/form-data", ...RAW_MEDIA_TYPES],
        produces: Object.values(OUTPUT_TYPES),
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            format: { type: "string", enum: ["csv", "tsv", "jsonl", "ndjson", "json"] },
            output: { type: "string", enum: ["csv", "tsv", "jsonl", "ndjson"] },
            textColumn: { type: "string", minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: { description: "The scored rows", type: "string" },
          "4xx": { $ref: "ErrorBody#" },
          "5xx": { $ref: "ErrorBody#" },
        },
      },
    },
    async (request, reply) => {
      const upload = await readUpload(request, config.maxFileBytes);
      const format = pickFormat(request.query, upload.filename, upload.mediaType);
      const output = pickOutput(request.query, format);
      let bytes: AsyncIterable<Uint8Array> = upload.stream;
      if (upload.filename?.toLowerCase().endsWith(".gz")) bytes = upload.stream.pipe(createGunzip());
      let scored: Awaited<ReturnType<typeof scoreTable>> & { modelName: string };
      try {
        scored = await holder.use(async (active) => ({
          ...(await scoreTable(bytes, {
            format,
            output,
            source: upload.filename ?? "upload",
            model: active.model,
            maxRows: config.maxFileRows,
            maxTextChars: config.maxTextChars,
            textColumn: request.query.textColumn,
            onPredictions: (p) => metrics.countPredictions(p),
          })),
          modelName: `${active.entry.id}@${active.entry.version ?? "unversioned"}`,
        }));
      } catch (err) {
        if (upload.truncated()) throw errors.fileTooLarge(config.maxFileBytes);
        if (err instanceof TooManyRowsError) throw errors.tooManyRows(err.limit);
        throw err;
      } finally {
        upload.stream.resume(); // drain whatever the reader left, so the connection can be reused
      }
      metrics.fileRows.inc(scored.rows);
      const size = (await stat(scored.path)).size;
      // Unlink right away: the open descriptor keeps the data readable until the download ends.
      const fh = await open(scored.path, "r");
      await rm(scored.path, { force: true });
      reply
        .type(OUTPUT_TYPES[output])
        .header("content-length", size)
        .header("content-disposition", `attachment; filename="${downloadName(upload.filename, output)}"`)
        .header("x-sentiment-rows", scored.rows)
        .header("x-sentiment-text-column", encodeURIComponent(scored.mapping.text))
        .header("x-sentiment-model", scored.modelName);
      return reply.send(fh.createReadStream());
    },
  );
}

interface Upload {
  stream: NodeJS.ReadableStream & AsyncIterable<Uint8Array>;
  filename?: string;
  mediaType?: string;
  truncated(): boolean;
}

async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (request.isMultipart()) {
    let part: MultipartFile | undefined;
    try {
      part = await request.file();
    } catch (err) {
      throw errors.badUpload(`cannot read the multipart upload: ${(err as Error).message}`);
    }
    if (!part)
      throw errors.badUpload('the multipart body has no file; send the file in a field named "file"');
    if (part.fieldname !== "file") {
      throw errors.badUpload(`the file must be sent in a field named "file", got "${part.fieldname}"`);
    }
    const file = part.file;
    return {
      stream: file,
      filename: part.filename || undefined,
      mediaType: part.mimetype,
      truncated: () => file.truncated,
    };
  }
  const contentLength = Number(request.headers["content-length"]);
  if (contentLength > maxBytes) throw errors.fileTooLarge(maxBytes);
  const body = request.body as (NodeJS.ReadableStream & AsyncIterable<Uint8Array>) | undefined;
  if (!body || typeof (body as { pipe?: unknown }).pipe !== "function") {
    throw new UserError(
      'send the file as multipart/form-data (field "file") or as the raw body with Content-Type text/csv, ' +
        "text/tab-separated-values or application/x-ndjson",
    );
  }
  const state = { over: false };
  const limited = Readable.from(limitBytes(body, maxBytes, state));
  const name = request.headers["x-filename"];
  return {
    stream: limited,
    filename: typeof name === "string" && name ? name : undefined,
    mediaType: request.headers["content-type"],
    truncated: () => state.over,
  };
}
