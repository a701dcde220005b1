// safetensors (https://github.com/huggingface/safetensors) reader and writer in plain TypeScript:
//   u64 LE header length N | N bytes JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__}
//   | raw little-endian tensor bytes
// Pure JS on purpose: weights written by the libtorch models can be read without libtorch (and by
// Python's `safetensors.torch.load_file`).

export interface SafeTensor {
  data: Float32Array;
  shape: number[];
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Serialise float32 tensors (sorted by name, like the reference implementation) plus string metadata. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafeTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length)
      throw new Error(`tensor "${name}": shape [${t.shape}] needs ${expected} values, has ${t.data.length}`);
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (allowed by the format).
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/** Parse safetensors bytes. F32 only (what the models write). @throws Error naming the problem. */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8)
    throw new Error("safetensors data is truncated (shorter than its 8-byte header length)");
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.length)
    throw new Error(`safetensors header length ${n} is invalid for ${bytes.length} bytes`);
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString("utf8"));
  } catch {
    throw new Error("safetensors header is not valid JSON");
  }
  const base = 8 + n;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== "F32") throw new Error(`tensor "${name}" has dtype ${e.dtype}; only F32 is supported`);
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || base + end > bytes.length) {
      throw new Error(`tensor "${name}" has inconsistent offsets [${begin}, ${end}] for shape [${e.shape}]`);
    }
    // Copy into an aligned buffer (the slice may start at any byte).
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(base + begin, base + end));
    tensors.set(name, { data, shape: e.shape });
  }
  return { tensors, metadata };
}
