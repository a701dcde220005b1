// Candidate ensemble members for the stacking experiments (bench/stack.ts, bench/crossfit.ts), by name:
// the best preset's members and earlier candidates, or any `name=family:{json hyperparameters}`.
import { fitStacker } from "../src/models/ensemble/model.ts";
import { DEFAULT_PREPROCESS } from "../src/text/preprocess.ts";
import { resolveConfig } from "../src/train/train.ts";

export interface MemberConfig {
  family: string;
  hyperparameters: Record<string, unknown>;
}

const best = resolveConfig({ preset: "best" }).hyperparameters.members as MemberConfig[];
const withTraining = (m: MemberConfig, training: Record<string, unknown>): MemberConfig => ({
  family: m.family,
  hyperparameters: {
    ...m.hyperparameters,
    training: { ...((m.hyperparameters.training as object) ?? {}), ...training },
  },
});

export const CONFIGS: Record<string, MemberConfig> = {
  nblr: best[0],
  ft12: best[1],
  // The earlier best preset's second fastText member: 1-3-grams without negation marking.
  ft13: {
    family: "fasttext",
    hyperparameters: {
      ...best[1].hyperparameters,
      preprocess: { ...DEFAULT_PREPROCESS, negation: false },
      ngrams: { minN: 1, maxN: 3, hashBits: 22 },
    },
  },
  cnnv2: best[2],
  // Cosine document vectors over 1-3-grams, trained on train + unlabeled texts (the best preset's fourth member).
  dv: best[3],
  // The same CNN refitted on train + validation for the epoch count early stopping chose.
  cnnR: withTraining(best[2], { refit: true }),
  // The CNN started from a CBOW vectors file (`sentiment embeddings train --method cbow --out scratch/cbow.100d.txt`).
  cnnw: { family: "cnn", hyperparameters: { vectors: "scratch/cbow.100d.txt", net: { embeddingDim: 100 } } },
};

/** Splits "a,b={json},c" at the commas outside JSON braces (which may nest). */
export function splitMembers(list: string): string[] {
  const specs: string[] = [""];
  let depth = 0;
  for (const ch of list) {
    if (ch === "," && depth === 0) specs.push("");
    else specs[specs.length - 1] += ch;
    if (ch === "{") depth++;
    if (ch === "}") depth--;
  }
  return specs;
}

/** A member spec: a name from CONFIGS, or name=family:{json}. */
export function parseMember(spec: string): { name: string; config: MemberConfig } {
  const eq = spec.indexOf("=");
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (eq < 0) {
    const config = CONFIGS[name];
    if (!config)
      throw new Error(`unknown member "${spec}" (${Object.keys(CONFIGS).join(", ")} or name=family:{json})`);
    return { name, config };
  }
  const rest = spec.slice(eq + 1);
  const colon = rest.indexOf(":");
  if (colon < 0) throw new Error(`member "${spec}" is not name=family:{json}`);
  return {
    name,
    config: { family: rest.slice(0, colon), hyperparameters: JSON.parse(rest.slice(colon + 1)) },
  };
}

/** One stderr line per phase (with its metrics once it reports them), for long members. */
export function phaseLogger(
  name: string,
): (e: { phase: string; done: number; total: number; metrics?: Record<string, number> }) => void {
  const started = performance.now();
  let phase = "";
  return (e) => {
    if (e.phase === phase && !(e.metrics && e.done === e.total)) return;
    phase = e.phase;
    const t = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`${name} ${t}s ${e.phase} ${e.metrics ? JSON.stringify(e.metrics) : ""}\n`);
  };
}

/** Accuracy of the logistic stacker under 5-fold cross-validation (fold = position mod 5) on its features. */
export function crossValidatedStacking(feats: readonly Float64Array[], labels: Uint8Array): number {
  const n = labels.length;
  const folds = 5;
  let correct = 0;
  for (let f = 0; f < folds; f++) {
    const tr = [...Array(n).keys()].filter((i) => i % folds !== f);
    const te = [...Array(n).keys()].filter((i) => i % folds === f);
    const s = fitStacker(
      feats.map((x) => Float64Array.from(tr, (i) => x[i])),
      Uint8Array.from(tr, (i) => labels[i]),
      1e-3,
    );
    for (const i of te) {
      let z = s.bias;
      for (let k = 0; k < feats.length; k++) z += s.weights[k] * feats[k][i];
      if ((z > 0 ? 1 : 0) === labels[i]) correct++;
    }
  }
  return correct / n;
}
