// Hyperparameters of the one-hot region CNN (Johnson & Zhang 2015, "seq-CNN").
import { z } from "zod";
import { CNN_DEFAULTS } from "../cnn/params.ts";
import { deepMerge } from "../neural/merge.ts";
import { parseFamilyParams, TextSchema, TrainingSchema } from "../neural/params.ts";

export const RegionCnnNetSchema = z
  .object({
    /** Region sizes in words, one convolution each; every word position of a region has its own weights. */
    regions: z.array(z.number().int().min(1).max(9)).min(1).default([3]),
    /** Feature maps (units) per region size. */
    units: z.number().int().min(1).default(300),
    /** Pool each unit by max and by mean over the review (concatenated), or max only. */
    pooling: z.enum(["max", "max+mean"]).default("max+mean"),
    dropout: z.number().min(0).max(0.95).default(0.5),
    initStd: z.number().positive().default(0.01),
  })
  .strict();

export const RegionCnnParamsSchema = z
  .object({
    net: RegionCnnNetSchema.default(RegionCnnNetSchema.parse({})),
    text: TextSchema.default(TextSchema.parse({})),
    training: TrainingSchema.default(TrainingSchema.parse({})),
    seed: z.number().int().default(0),
  })
  .strict();

export type RegionCnnParams = z.infer<typeof RegionCnnParamsSchema>;

/** The word CNN's recipe (whole reviews, bucketing, Adam with linear decay) at half its rate. */
export const REGION_CNN_DEFAULTS: Record<string, unknown> = deepMerge(CNN_DEFAULTS, {
  training: { lr: 1e-3 },
});

export function parseRegionCnnParams(hyperparameters: Record<string, unknown>): RegionCnnParams {
  return parseFamilyParams("regioncnn", RegionCnnParamsSchema, REGION_CNN_DEFAULTS, hyperparameters);
}
