// Strict JSON body parsing. Fastify's default parser decodes bodies with Buffer#toString, which turns
// invalid UTF-8 into U+FFFD silently, so a review in the wrong encoding would be scored as mojibake.
// This parser rejects such bodies with a 400 that names the byte offset, and JSON in another charset
// with a 415, then hands the text to Fastify's own parser (which guards against prototype poisoning).
import { isUtf8 } from "node:buffer";
import type { FastifyInstance } from "fastify";
import { errors } from "./errors.ts";

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1 when the buffer is valid. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Sequence length and the allowed range of the second byte (excludes overlongs and surrogates).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > buf.length) return i;
    if (buf[i + 1] < lo || buf[i + 1] > hi) return i;
    for (let k = 2; k < n; k++) if (buf[i + k] < 0x80 || buf[i + k] > 0xbf) return i;
    i += n;
  }
  return -1;
}

function syntaxErrorOf(text: string): string {
  try {
    JSON.parse(text);
    return "prototype-poisoning keys (__proto__, constructor.prototype) are not allowed";
  } catch (err) {
    return (err as Error).message;
  }
}

export function installJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser(["application/json"]);
  // Also accepts "+json" media types (application/merge-patch+json, ...). Fastify tests the pattern
  // against the whole header, parameters included.
  app.addContentTypeParser(
    /^application\/([\w.-]+\+)?json\s*(;.*)?$/i,
    { parseAs: "buffer", bodyLimit },
    (request, raw, done) => {
      const charset = /charset=["']?([^;"'\s]+)/i.exec(request.headers["content-type"] ?? "")?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) {
        done(errors.badCharset(charset), undefined);
        return;
      }
      const buf = raw as Buffer;
      if (!isUtf8(buf)) {
        done(errors.badUtf8(firstInvalidUtf8(buf)), undefined);
        return;
      }
      // A BOM is legal for readers to skip (RFC 8259 §8.1) and common from Windows tools.
      const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      const text = buf.toString("utf8", start);
      parseJson(request, text, (err, body) => {
        if (err && (err as { code?: string }).code === "FST_ERR_CTP_INVALID_JSON_BODY") {
          // Fastify drops the parser's reason; recover it (error path only) so the client sees where.
          done(errors.invalidJson(syntaxErrorOf(text)), undefined);
        } else done(err, body);
      });
    },
  );
}
