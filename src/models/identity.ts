// Identity of a newly fitted model: family, format version, creation time and an id that names the
// family, the day and a hash of the fitted weights ("nblr-20261122-5c1ef20b"), so two different fits
// never share an id and the same weights always hash alike.
import { createHash } from "node:crypto";
import type { ModelMetadata } from "./model.ts";

export function modelIdentity(
  family: string,
  formatVersion: number,
  content: (string | ArrayBufferView)[],
): Pick<ModelMetadata, "family" | "id" | "formatVersion" | "createdAt"> {
  const hash = createHash("sha256");
  for (const part of content) {
    hash.update(
      typeof part === "string" ? part : new Uint8Array(part.buffer, part.byteOffset, part.byteLength),
    );
  }
  const createdAt = new Date().toISOString();
  const day = createdAt.slice(0, 10).replace(/-/g, "");
  return { family, id: `${family}-${day}-${hash.digest("hex").slice(0, 8)}`, formatVersion, createdAt };
}
