// Which members earn their place in a stacked ensemble: trains each candidate once on a movie-disjoint
// split of IMDb train (never test), caches its calibrated validation logits in scratch/stack/, and scores
// member subsets by 5-fold cross-validation of the stacker on the validation reviews.
//   npx tsx bench/stack.ts <seed> <member>[,<member>...]    members: nblr, ft12, cnnv2 (the best preset's),
//                                                           ft13, or name=family:{json hyperparameters}
//   npx tsx bench/stack.ts <seed> --eval nblr+ft12+ft13,nblr+ft12+ft13+cnn3
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readImdb } from "../src/data/imdb.ts";
import { resolveDataPath } from "../src/data/paths.ts";
import { splitByGroup } from "../src/data/split.ts";
import "../src/models/families.ts";
import { fitStacker } from "../src/models/ensemble/model.ts";
import type { StackableModel } from "../src/models/model.ts";
import { getFamily } from "../src/models/registry.ts";
import { DEFAULT_PREPROCESS } from "../src/text/preprocess.ts";
import { resolveConfig } from "../src/train/train.ts";

const best = resolveConfig({ preset: "best" }).hyperparameters.members as {
  family: string;
  hyperparameters: Record<string, unknown>;
}[];
const CONFIGS: Record<string, { family: string; hyperparameters: Record<string, unknown> }> = {
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
};
const [seedArg, what, evalArg] = process.argv.slice(2);
const seed = Number(seedArg);
mkdirSync("scratch/stack", { recursive: true });
const file = (name: string) => `scratch/stack/${name}-seed${seed}.json`;

if (what === "--eval") {
  for (const combo of evalArg.split(",")) {
    const names = combo.split("+");
    const runs = names.map((n) => JSON.parse(readFileSync(file(n), "utf8")));
    const labels = Uint8Array.from(runs[0].labels);
    const n = labels.length;
    const feats = runs.map((r) => Float64Array.from(r.logits));
    let correct = 0;
    const folds = 5;
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
    const full = fitStacker(feats, labels, 1e-3);
    console.log(
      `${combo}: cv ${((100 * correct) / n).toFixed(2)}%  weights ${full.weights.map((w) => w.toFixed(2)).join(" ")}`,
    );
  }
} else {
  const data = await readImdb(resolveDataPath(), { splits: ["train", "unsup"] });
  const { train, validation } = splitByGroup(data.train, { validationFraction: 0.2, seed });
  const unlabeled = data.unsup;
  // Members are separated by commas outside JSON braces (which may nest).
  const specs: string[] = [""];
  let depth = 0;
  for (const ch of what) {
    if (ch === "," && depth === 0) specs.push("");
    else specs[specs.length - 1] += ch;
    if (ch === "{") depth++;
    if (ch === "}") depth--;
  }
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = eq < 0 ? spec : spec.slice(0, eq);
    if (existsSync(file(name))) continue;
    let config = CONFIGS[name];
    if (!config) {
      const rest = spec.slice(eq + 1);
      const colon = rest.indexOf(":");
      if (eq < 0 || colon < 0)
        throw new Error(`unknown member "${spec}" (nblr, ft12, ft13, cnnv2 or name=family:{json})`);
      config = { family: rest.slice(0, colon), hyperparameters: JSON.parse(rest.slice(colon + 1)) };
    }
    const model = (await getFamily(config.family)).create({
      ...config.hyperparameters,
      ...(config.family === "nblr" ? { refit: false } : {}),
      seed,
    }) as StackableModel;
    const started = performance.now();
    let phase = "";
    const metrics = await model.fit(
      { train, validation, unlabeled },
      {
        // One stderr line per phase (with its metrics once it reports them), for long members.
        onProgress: (e) => {
          if (e.phase === phase && !(e.metrics && e.done === e.total)) return;
          phase = e.phase;
          const t = ((performance.now() - started) / 1000).toFixed(0);
          process.stderr.write(`${name} ${t}s ${e.phase} ${e.metrics ? JSON.stringify(e.metrics) : ""}\n`);
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const logits = model.validationLogits;
    if (!logits) throw new Error("no validation logits");
    let correct = 0;
    for (let i = 0; i < validation.length; i++)
      if ((logits[i] > 0 ? 1 : 0) === validation[i].label) correct++;
    const acc = correct / validation.length;
    console.log(
      `${name} seed ${seed}: val ${(acc * 100).toFixed(2)}% in ${seconds.toFixed(0)} s ${JSON.stringify(metrics)}`,
    );
    writeFileSync(
      file(name),
      JSON.stringify({
        name,
        seed,
        seconds,
        acc,
        metrics,
        labels: validation.map((r) => r.label),
        logits: Array.from(logits),
      }),
    );
  }
}
