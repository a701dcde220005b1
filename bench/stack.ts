// Which members earn their place in a stacked ensemble: trains each candidate once on a movie-disjoint
// split of IMDb train (never test), caches its calibrated validation logits in scratch/stack/, and scores
// member subsets by 5-fold cross-validation of the stacker on the validation reviews.
//   npx tsx bench/stack.ts <seed> <member>[,<member>...]    members: nblr, ft12, cnnv2, dv (the best preset's), cnnR,
//                                                           ft13, or name=family:{json hyperparameters}
//   npx tsx bench/stack.ts <seed> --eval nblr+ft12+ft13,nblr+ft12+ft13+cnn3
// With --nested after the seed, the members are fitted on an inner movie-disjoint split of that train
// part (selection fit + stacking on the inner validation, refit as shipped) and also score the outer
// validation reviews, which no choice inside the fit has seen: --eval then reports the stacked
// ensemble's accuracy and ECE there too, i.e. how a member's refit behaves once deployed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readImdb } from "../src/data/imdb.ts";
import { resolveDataPath } from "../src/data/paths.ts";
import { splitByGroup } from "../src/data/split.ts";
import { binaryMetrics } from "../src/eval/metrics.ts";
import { logit } from "../src/models/calibration.ts";
import "../src/models/families.ts";
import { fitStacker } from "../src/models/ensemble/model.ts";
import type { StackableModel } from "../src/models/model.ts";
import { getFamily } from "../src/models/registry.ts";
import { crossValidatedStacking, parseMember, phaseLogger, splitMembers } from "./members.ts";

const args = process.argv.slice(2);
const nested = args.includes("--nested");
const [seedArg, what, evalArg] = args.filter((a) => a !== "--nested");
const seed = Number(seedArg);
mkdirSync("scratch/stack", { recursive: true });
const file = (name: string) => `scratch/stack/${name}-seed${seed}${nested ? "-nested" : ""}.json`;

if (what === "--eval") {
  for (const combo of evalArg.split(",")) {
    const names = combo.split("+");
    const runs = names.map((n) => JSON.parse(readFileSync(file(n), "utf8")));
    const labels = Uint8Array.from(runs[0].labels);
    const feats = runs.map((r) => Float64Array.from(r.logits));
    const cv = crossValidatedStacking(feats, labels);
    const full = fitStacker(feats, labels, 1e-3);
    let heldout = "";
    if (nested) {
      // The ensemble as shipped: stacker from the inner validation logits, members' refit predictions.
      const y = Uint8Array.from(runs[0].heldout.labels as number[]);
      const p = Float64Array.from(y, (_, i) => {
        let z = full.bias;
        for (let k = 0; k < runs.length; k++) z += full.weights[k] * logit(runs[k].heldout.probs[i]);
        return 1 / (1 + Math.exp(-z));
      });
      const m = binaryMetrics(y, p);
      heldout = `  held-out ${(100 * m.accuracy.value).toFixed(2)}% ECE ${m.ece.toFixed(4)} log-loss ${m.logLoss.toFixed(4)}`;
    }
    console.log(
      `${combo}: cv ${(100 * cv).toFixed(2)}%${heldout}  weights ${full.weights.map((w) => w.toFixed(2)).join(" ")}`,
    );
  }
} else {
  const data = await readImdb(resolveDataPath(), { splits: ["train", "unsup"] });
  const outer = splitByGroup(data.train, { validationFraction: 0.2, seed });
  const { train, validation } = nested
    ? splitByGroup(outer.train, { validationFraction: 0.2, seed: seed + 100 })
    : outer;
  const unlabeled = data.unsup;
  for (const spec of splitMembers(what)) {
    const { name, config } = parseMember(spec);
    if (existsSync(file(name))) continue;
    // Outside nested runs nothing but the validation logits is used, so NB-LR skips its refit.
    const model = (await getFamily(config.family)).create({
      ...config.hyperparameters,
      ...(config.family === "nblr" && !nested ? { refit: false } : {}),
      seed,
    }) as StackableModel;
    const started = performance.now();
    const metrics = await model.fit({ train, validation, unlabeled }, { onProgress: phaseLogger(name) });
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
        heldout: nested
          ? {
              labels: outer.validation.map((r) => r.label),
              probs: Array.from(await model.predictProba(outer.validation.map((r) => r.text))),
            }
          : undefined,
      }),
    );
  }
}
