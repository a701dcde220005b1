// Where streamed results go: a writer that respects backpressure (so a slow disk or pipe holds the
// reader back instead of filling memory) and a file written atomically (temp file, fsync, rename),
// so an interrupted run never leaves a half-written result under the final name.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Writable } from "node:stream";

export type WriteChunk = (chunk: string) => Promise<void>;

/** Write text to a stream; resolves when the stream can take more (waits on 'drain'). */
export function backpressureWriter(stream: Writable): WriteChunk {
  return async (chunk: string) => {
    if (chunk === "" || stream.write(chunk)) return;
    await Promise.race([
      once(stream, "drain"),
      once(stream, "error").then(([err]) => Promise.reject(err)),
      once(stream, "close"),
    ]);
  };
}

export interface AtomicFile {
  /** Resolves once the chunk is handed to the OS, so memory never holds more than one chunk. */
  write: WriteChunk;
  /** fsync and rename into place. */
  commit(): Promise<void>;
  /** Remove the temp file; the target is left as it was. Safe to call after a failed write. */
  abort(): Promise<void>;
}

/** Open `path` for streaming writes that only appear under that name once `commit()` succeeds. */
export async function openAtomicFile(path: string): Promise<AtomicFile> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fh: FileHandle = await open(tmp, "wx");
  let closed = false;
  return {
    async write(chunk) {
      if (chunk !== "") await fh.write(chunk);
    },
    async commit() {
      await fh.sync();
      await fh.close();
      closed = true;
      await rename(tmp, path);
    },
    async abort() {
      if (!closed) await fh.close().catch(() => undefined);
      closed = true;
      await rm(tmp, { force: true });
    },
  };
}
