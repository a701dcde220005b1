// Streaming JSON Lines reader (one object per line), which also accepts a .json file holding one
// array of objects. Lines are split as bytes, so invalid UTF-8 and invalid JSON are reported per
// line with its number; a JSON array has to be parsed whole and so is not streamed.
import { DataError } from "../util/errors.ts";
import { type ByteSource, DEFAULT_MAX_LINE_BYTES, decodeUtf8, splitLines } from "./lines.ts";
import type { ReadTableOptions, TableItem } from "./table.ts";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Peek at the first non-blank byte, then hand back a stream that still yields every chunk. */
async function peekFirstByte(
  input: ByteSource,
): Promise<{ first: number | undefined; stream: AsyncIterable<Uint8Array> }> {
  const it = (async function* () {
    yield* input; // also accepts a plain array of chunks
  })();
  const head: Uint8Array[] = [];
  let first: number | undefined;
  while (first === undefined) {
    const next = await it.next();
    if (next.done) break;
    const chunk = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    // Skip a UTF-8 BOM and whitespace.
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf)
        continue;
      first = b;
      break;
    }
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* head;
    for (let next = await it.next(); !next.done; next = await it.next()) {
      yield typeof next.value === "string" ? Buffer.from(next.value) : next.value;
    }
  }
  return { first, stream: rest() };
}

async function* readJsonArray(input: AsyncIterable<Uint8Array>, source: string): AsyncGenerator<TableItem> {
  const chunks: Uint8Array[] = [];
  for await (const c of input) chunks.push(c);
  const text = decodeUtf8(Buffer.concat(chunks));
  if (text === undefined) throw new DataError(`${source}: not valid UTF-8`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${source}: invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed))
    throw new DataError(`${source}: expected an array of objects, found ${describe(parsed)}`);
  for (let i = 0; i < parsed.length; i++) {
    const v: unknown = parsed[i];
    // Rows of a JSON array are numbered by position (1-based): there are no meaningful lines.
    if (isRecord(v)) yield { kind: "row", row: i + 1, values: v };
    else
      yield { kind: "error", row: i + 1, reason: `element ${i + 1} is ${describe(v)}, expected an object` };
  }
}

/**
 * Yield every line of a JSON Lines stream as a row or a row error (invalid JSON, invalid UTF-8,
 * not an object, longer than `maxRowBytes`). Blank lines are skipped. With `format: "json"`, a
 * stream starting with "[" is read as one JSON array (rows numbered by position).
 * @throws DataError when a JSON array file is not valid JSON.
 */
export async function* readJsonl(
  input: ByteSource,
  options: Omit<ReadTableOptions, "format"> & { format?: "jsonl" | "json" } = {},
): AsyncGenerator<TableItem> {
  const source = options.source ?? "input";
  const maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_LINE_BYTES;
  const { first, stream } = await peekFirstByte(input);
  if (options.format === "json" && first === 0x5b /* [ */) {
    yield* readJsonArray(stream, source);
    return;
  }
  for await (const item of splitLines(stream, maxRowBytes)) {
    const row = item.line;
    if (item.tooLong !== undefined) {
      yield { kind: "error", row, reason: `line is ${item.tooLong} bytes, over the limit of ${maxRowBytes}` };
      continue;
    }
    const text = decodeUtf8(item.bytes);
    if (text === undefined) {
      yield { kind: "error", row, reason: "line is not valid UTF-8" };
      continue;
    }
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield { kind: "error", row, reason: `invalid JSON: ${(err as Error).message}` };
      continue;
    }
    if (isRecord(value)) yield { kind: "row", row, values: value };
    else yield { kind: "error", row, reason: `line is ${describe(value)}, expected a JSON object` };
  }
}
