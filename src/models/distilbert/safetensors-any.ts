// safetensors of any float width as float32. The binding's decoder reads F32 only (what our models
// write), but checkpoints on the hub are often saved in F16 or BF16; those are widened here so
// `--init` accepts them. F32 files go straight to the binding's decoder.
import { decodeSafetensors, type SafeTensor } from "../../../packages/torch/src/index.ts";

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const WIDTH: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** IEEE 754 half -> float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Tensors of a safetensors file as float32.
 * @throws Error naming the tensor when a dtype is not a float type or offsets are inconsistent.
 */
export function decodeSafetensorsAsF32(bytes: Uint8Array): Map<string, SafeTensor> {
  if (bytes.length < 8)
    throw new Error("safetensors data is truncated (shorter than its 8-byte header length)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw new Error(`safetensors header length ${n} is invalid for ${bytes.length} bytes`);
  let header: Record<string, Entry>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString("utf8"));
  } catch {
    throw new Error("safetensors header is not valid JSON");
  }
  const entries = Object.entries(header).filter(([k]) => k !== "__metadata__");
  if (entries.every(([, e]) => e.dtype === "F32")) return decodeSafetensors(bytes).tensors;
  const base = 8 + n;
  const out = new Map<string, SafeTensor>();
  const scratch = new DataView(new ArrayBuffer(4));
  for (const [name, e] of entries) {
    const width = WIDTH[e.dtype];
    if (!width) throw new Error(`tensor "${name}" has dtype ${e.dtype}; expected F32, F16 or BF16`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = e.data_offsets;
    if (end - begin !== count * width || base + end > bytes.length) {
      throw new Error(`tensor "${name}" has inconsistent offsets [${begin}, ${end}] for shape [${e.shape}]`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = base + begin + i * width;
      if (e.dtype === "F32") data[i] = view.getFloat32(at, true);
      else if (e.dtype === "F16") data[i] = halfToFloat(view.getUint16(at, true));
      else {
        scratch.setUint32(0, view.getUint16(at, true) * 0x10000); // BF16 is the top half of an F32
        data[i] = scratch.getFloat32(0);
      }
    }
    out.set(name, { data, shape: e.shape });
  }
  return out;
}
