// Hyperparameter search spaces: which hyperparameters to vary and how. Keys are dotted paths into the
// family's hyperparameters ("ngrams.maxN"), so nested settings of a preset keep their other fields.
//   { "C": { "type": "loguniform", "low": 0.03, "high": 3 },
//     "minDf": { "type": "int", "low": 1, "high": 5 },
//     "ngrams.maxN": { "type": "choice", "values": [1, 2, 3] } }
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { UserError } from "../util/errors.ts";

const DimensionSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("uniform"), low: z.number(), high: z.number() }).strict(),
  z
    .object({ type: z.literal("loguniform"), low: z.number().positive(), high: z.number().positive() })
    .strict(),
  z.object({ type: z.literal("int"), low: z.number().int(), high: z.number().int() }).strict(),
  z
    .object({
      type: z.literal("choice"),
      values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    })
    .strict(),
]);
export type Dimension = z.infer<typeof DimensionSchema>;
export type SearchSpace = Record<string, Dimension>;
export type ParamValue = string | number | boolean;
export type TrialParams = Record<string, ParamValue>;

/** Spaces used when none is given, per family. */
export const DEFAULT_SPACES: Record<string, SearchSpace> = {
  nblr: {
    C: { type: "loguniform", low: 0.03, high: 3 },
    nbAlpha: { type: "loguniform", low: 0.1, high: 3 },
    minDf: { type: "int", low: 1, high: 5 },
    "ngrams.maxN": { type: "choice", values: [1, 2, 3] },
  },
};

/** Parse a space from JSON/YAML text or a file path. @throws UserError naming the bad dimension. */
export function parseSpace(input: string): SearchSpace {
  const text = existsSync(input) ? readFileSync(input, "utf8") : input;
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new UserError(`search space is neither a file nor valid JSON/YAML: ${(err as Error).message}`);
  }
  const result = z.record(z.string(), DimensionSchema).safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new UserError(`invalid search space:\n${issues}`);
  }
  for (const [k, d] of Object.entries(result.data)) {
    if ((d.type === "uniform" || d.type === "loguniform" || d.type === "int") && !(d.low < d.high)) {
      throw new UserError(`search space "${k}": low (${d.low}) must be below high (${d.high})`);
    }
  }
  if (Object.keys(result.data).length === 0) throw new UserError("search space is empty");
  return result.data;
}

/** One random draw per dimension (log-uniform draws are uniform in log space). */
export function sampleRandom(space: SearchSpace, random: () => number): TrialParams {
  const out: TrialParams = {};
  for (const [k, d] of Object.entries(space)) out[k] = sampleDimension(d, random);
  return out;
}

export function sampleDimension(d: Dimension, random: () => number): ParamValue {
  switch (d.type) {
    case "uniform":
      return d.low + random() * (d.high - d.low);
    case "loguniform":
      return Math.exp(Math.log(d.low) + random() * (Math.log(d.high) - Math.log(d.low)));
    case "int":
      return d.low + Math.floor(random() * (d.high - d.low + 1));
    case "choice":
      return d.values[Math.floor(random() * d.values.length)];
  }
}

/** Set dotted keys on a deep copy of `base`: { ngrams: { minN: 1, maxN: 3 } } + { "ngrams.maxN": 2 }. */
export function applyParams(base: Record<string, unknown>, params: TrialParams): Record<string, unknown> {
  const out = structuredClone(base);
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split(".");
    let node = out;
    for (const p of parts.slice(0, -1)) {
      if (typeof node[p] !== "object" || node[p] === null || Array.isArray(node[p])) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** A seed for trial `i` of a search with seed `seed`: independent of which worker runs it or when. */
export function trialSeed(seed: number, trial: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(trial + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}
