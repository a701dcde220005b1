// The project's model file container, shared by every family that saves to a single file.
//
//   bytes 0-7    magic "SENTMODL"
//   bytes 8-11   container version (u32 LE)
//   bytes 12-15  header length H (u32 LE)
//   H bytes      header JSON: { metadata, tensors: [{ name, dtype, shape, offset, length, encoding }] }
//   ...          tensor payloads (offsets relative to the end of the header)
//   last 32      sha256 of everything before it
//
// Loading checks magic, version and checksum before parsing anything, so a truncated, corrupted or
// foreign file is reported as such instead of producing a broken model.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { writeFileAtomic } from "../util/atomic.ts";
import { ModelFileError } from "../util/errors.ts";
import type { ModelMetadata } from "./model.ts";

export const MAGIC = Buffer.from("SENTMODL", "ascii");
export const CONTAINER_VERSION = 1;

type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Uint8Array
  | Int8Array
  | Uint16Array;
const DTYPES = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
} as const;
export type DType = keyof typeof DTYPES;

export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  length: number;
  encoding: "raw" | "gzip";
}

export interface ModelFileContents {
  metadata: ModelMetadata;
  tensors: Map<string, TypedArray>;
}

function dtypeOf(a: TypedArray): DType {
  for (const [k, ctor] of Object.entries(DTYPES)) if (a instanceof ctor) return k as DType;
  throw new Error("unsupported tensor type");
}

export async function writeModelFile(
  path: string,
  metadata: ModelMetadata,
  tensors: Record<string, { data: TypedArray; shape?: number[]; gzip?: boolean }>,
): Promise<void> {
  const entries: TensorEntry[] = [];
  const payloads: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const raw = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const bytes = t.gzip ? gzipSync(raw, { level: 9 }) : raw;
    entries.push({
      name,
      dtype: dtypeOf(t.data),
      shape: t.shape ?? [t.data.length],
      offset,
      length: bytes.length,
      encoding: t.gzip ? "gzip" : "raw",
    });
    payloads.push(bytes);
    offset += bytes.length;
  }
  const header = Buffer.from(JSON.stringify({ metadata, tensors: entries }), "utf8");
  const prefix = Buffer.alloc(16);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(CONTAINER_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  const hash = createHash("sha256").update(prefix).update(header);
  for (const p of payloads) hash.update(p);
  await writeFileAtomic(path, [prefix, header, ...payloads, hash.digest()]);
}

/** True when the file starts with the container's magic bytes. */
export function isModelFile(path: string): boolean {
  try {
    const buf = readFileSync(path).subarray(0, 8);
    return buf.equals(MAGIC);
  } catch {
    return false;
  }
}

/** Read only the metadata (still verifying the checksum). */
export function readModelMetadata(path: string): ModelMetadata {
  return readModelFile(path, { tensors: false }).metadata;
}

export function readModelFile(path: string, options: { tensors?: boolean } = {}): ModelFileContents {
  if (!existsSync(path)) throw new ModelFileError(`model file not found: ${path}`);
  return parseModelFile(readFileSync(path), path, options);
}

/** Parse a model file held in memory (e.g. a member embedded in an ensemble); `path` names it in errors. */
export function parseModelFile(
  buf: Buffer,
  path: string,
  options: { tensors?: boolean } = {},
): ModelFileContents {
  if (buf.length < 16 + 32 || !buf.subarray(0, 8).equals(MAGIC)) {
    throw new ModelFileError(`${path} is not a sentiment model file (missing "SENTMODL" header)`);
  }
  const version = buf.readUInt32LE(8);
  if (version > CONTAINER_VERSION) {
    throw new ModelFileError(
      `${path} uses model container version ${version}; this build reads up to ${CONTAINER_VERSION} — upgrade the software`,
    );
  }
  const body = buf.subarray(0, buf.length - 32);
  const expected = buf.subarray(buf.length - 32);
  if (!createHash("sha256").update(body).digest().equals(expected)) {
    throw new ModelFileError(
      `${path} is corrupt: checksum mismatch (truncated or modified after it was written)`,
    );
  }
  const headerLength = buf.readUInt32LE(12);
  let header: { metadata: ModelMetadata; tensors: TensorEntry[] };
  try {
    header = JSON.parse(buf.subarray(16, 16 + headerLength).toString("utf8"));
  } catch {
    throw new ModelFileError(`${path} is corrupt: unreadable header`);
  }
  const tensors = new Map<string, TypedArray>();
  if (options.tensors !== false) {
    const base = 16 + headerLength;
    for (const e of header.tensors) {
      const slice = buf.subarray(base + e.offset, base + e.offset + e.length);
      const bytes = e.encoding === "gzip" ? gunzipSync(slice) : Buffer.from(slice);
      const ctor = DTYPES[e.dtype];
      // Copy into a fresh, aligned buffer: typed arrays need offsets that are multiples of their element size.
      const aligned = new Uint8Array(bytes.length);
      aligned.set(bytes);
      tensors.set(e.name, new ctor(aligned.buffer, 0, bytes.length / ctor.BYTES_PER_ELEMENT) as TypedArray);
    }
  }
  return { metadata: header.metadata, tensors };
}

/**
 * Sorted hash buckets as gaps (the first bucket, then differences): small numbers that gzip packs into
 * ~1.5 bytes each. The n-gram families store their vocabularies this way (tensor `bucket_gaps`).
 */
export function encodeBucketGaps(sorted: ArrayLike<number>): Uint32Array {
  const gaps = new Uint32Array(sorted.length);
  for (let k = 0; k < gaps.length; k++) gaps[k] = k === 0 ? sorted[0] : sorted[k] - sorted[k - 1];
  return gaps;
}

/** The sorted buckets back from their gaps. */
export function decodeBucketGaps(gaps: Uint32Array): Uint32Array {
  const buckets = new Uint32Array(gaps.length);
  let acc = 0;
  for (let k = 0; k < gaps.length; k++) buckets[k] = acc += gaps[k];
  return buckets;
}
