// Atomic file writes: write beside the target, fsync, then rename, so a crash never leaves a
// half-written model, report or export where a reader could find it.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

export async function writeFileAtomic(path: string, data: string | Uint8Array | Uint8Array[]): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "w");
  try {
    for (const chunk of Array.isArray(data) ? data : [data]) {
      if (typeof chunk === "string") await fh.write(chunk);
      else await fh.write(chunk);
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
}
