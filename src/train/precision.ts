// Training precision shared by the libtorch trainers (neural families, DistilBERT fine-tuning):
// "fp32" plain float32; "bf16" bfloat16 autocast for the forward pass (CPU or CUDA, no loss scaling:
// bfloat16 has float32's range); "fp16" float16 autocast plus dynamic loss scaling (GradScaler),
// CUDA only. Weights, gradients, optimizer state and the loss stay float32 in every mode.
import type { AutocastOptions } from "../../packages/torch/src/index.ts";
import { UserError } from "../util/errors.ts";

export const PRECISIONS = ["fp32", "bf16", "fp16"] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface PrecisionPlan {
  precision: Precision;
  /** Autocast region for the forward pass; undefined for fp32. */
  autocast: AutocastOptions | undefined;
  /** Loss scaling with a GradScaler (fp16 only). */
  lossScaling: boolean;
}

/**
 * How to train at `precision` on `device` (a tensor's device string: "cpu", "cuda:0", ...).
 * @throws UserError for fp16 on the CPU: float16 autocast and loss scaling need CUDA.
 */
export function precisionPlan(precision: Precision, device: string): PrecisionPlan {
  const cuda = device.startsWith("cuda");
  if (precision === "fp32") return { precision, autocast: undefined, lossScaling: false };
  if (precision === "bf16") {
    return { precision, autocast: { device: cuda ? "cuda" : "cpu", dtype: "bfloat16" }, lossScaling: false };
  }
  if (!cuda) {
    throw new UserError(
      `precision "fp16" needs a CUDA build of libtorch and a GPU (float16 autocast with loss scaling runs on CUDA only), but the model is on the ${device}. On the CPU use precision "bf16" (bfloat16 autocast, no loss scaling) or "fp32".`,
    );
  }
  return { precision, autocast: { device: "cuda", dtype: "float16" }, lossScaling: true };
}
