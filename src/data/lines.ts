// Splits a byte stream into lines without decoding it first, so each line can be checked for valid
// UTF-8 on its own (readline would silently turn bad bytes into U+FFFD) and a runaway line without
// a newline cannot grow past `maxLineBytes` in memory.

/** Bytes to read: a Node stream, an async generator, or (in tests) an array of chunks. */
export type ByteSource = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

export type LineItem =
  /** `bytes` excludes the line break (LF or CRLF). `line` is 1-based. */
  | { line: number; bytes: Buffer; tooLong?: undefined }
  /** The line was longer than the limit; its bytes were discarded. */
  | { line: number; bytes?: undefined; tooLong: number };

/** Default cap on one line: far above any real review, low enough to keep memory bounded. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

function stripCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === CR ? b.subarray(0, b.length - 1) : b;
}

/**
 * Yield the lines of `input`. A final line without a trailing newline is yielded too; a trailing
 * newline does not produce an extra empty line.
 * @example for await (const { line, bytes } of splitLines(createReadStream("a.jsonl"))) ...
 */
export async function* splitLines(
  input: ByteSource,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<LineItem> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = 0; // > 0 while discarding an over-long line: bytes seen so far
  let line = 0;
  for await (const raw of input) {
    const chunk =
      typeof raw === "string"
        ? Buffer.from(raw, "utf8")
        : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (overflow > 0) overflow += piece.length;
      else if (pendingBytes + piece.length > maxLineBytes) {
        overflow = pendingBytes + piece.length;
        pending = [];
        pendingBytes = 0;
      } else if (piece.length > 0) {
        // Copy only when the piece must outlive this chunk; the common case is one piece per line.
        pending.push(nl === -1 ? Buffer.from(piece) : piece);
        pendingBytes += piece.length;
      }
      if (nl === -1) break;
      line++;
      if (overflow > 0) {
        yield { line, tooLong: overflow };
        overflow = 0;
      } else {
        yield {
          line,
          bytes: stripCr(pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes)),
        };
      }
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
  }
  if (overflow > 0) yield { line: line + 1, tooLong: overflow };
  else if (pendingBytes > 0) yield { line: line + 1, bytes: stripCr(Buffer.concat(pending, pendingBytes)) };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decode UTF-8 strictly; undefined when the bytes are not valid UTF-8. Strips a leading BOM. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
