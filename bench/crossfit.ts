// Cross-fitted stacking: each member is trained on K movie-grouped folds of a seed's 80% train part, so
// every one of its ~20,000 reviews gets an out-of-fold logit; the stacker is fitted on all of them (not on
// one 5,000-review validation split), and a member's K fold models are averaged (bagging) when deployed.
// The 20% the seed holds out by movie scores the deployed ensemble; no choice inside sees it.
//   npx tsx bench/crossfit.ts <seed> <member>[,<member>...]   (names as in bench/members.ts)
//   npx tsx bench/crossfit.ts <seed> --eval nblr+ft12,nblr+ft12+cnnw,nblr@full+ft12@full+cnnw
// `--full <members>` also fits each member once on the whole train part (with its own refit setting, fold 0
// as its validation); `name@full` in --eval deploys that single model instead of the bag of K, and
// `name@<k>` deploys fold k's model alone (one model trained on 80% of the train part).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readImdb } from "../src/data/imdb.ts";
import { resolveDataPath } from "../src/data/paths.ts";
import { groupKFold, splitByGroup } from "../src/data/split.ts";
import { binaryMetrics } from "../src/eval/metrics.ts";
import { logit, sigmoid } from "../src/models/calibration.ts";
import "../src/models/families.ts";
import { fitStacker } from "../src/models/ensemble/model.ts";
import type { StackableModel } from "../src/models/model.ts";
import { getFamily } from "../src/models/registry.ts";
import { crossValidatedStacking, parseMember, phaseLogger, splitMembers } from "./members.ts";

const K = 5;
const [seedArg, what, evalArg] = process.argv.slice(2);
const full = what === "--full";
const seed = Number(seedArg);
mkdirSync("scratch/crossfit", { recursive: true });
const file = (name: string, fold: number | "full") => `scratch/crossfit/${name}-seed${seed}-fold${fold}.json`;

interface FoldRun {
  /** Positions in the seed's train part of this fold's validation reviews. */
  index: number[];
  logits: number[];
  labels: number[];
  heldout: { labels: number[]; probs: number[] };
  acc: number;
  seconds: number;
}

if (what === "--eval") {
  for (const combo of evalArg.split(",")) {
    const names = combo.split("+");
    const read = (n: string, k: number | "full") => JSON.parse(readFileSync(file(n, k), "utf8")) as FoldRun;
    const base = (n: string) => n.split("@")[0];
    const runs = names.map((n) => Array.from({ length: K }, (_, k) => read(base(n), k)));
    const deployed = names.map((n, m) => {
      const at = n.split("@")[1];
      if (at === undefined) return runs[m];
      return [at === "full" ? read(base(n), "full") : runs[m][Number(at)]];
    });
    // Out-of-fold features: member m's logit for every review of the train part, by position.
    const n = runs[0].reduce((s, r) => s + r.index.length, 0);
    const labels = new Uint8Array(n);
    const feats = runs.map((folds) => {
      const x = new Float64Array(n);
      for (const r of folds)
        r.index.forEach((pos, i) => {
          x[pos] = r.logits[i];
          labels[pos] = r.labels[i];
        });
      return x;
    });
    const cv = crossValidatedStacking(feats, labels);
    const stacker = fitStacker(feats, labels, 1e-3);
    // Deployed: each member's K fold models averaged in logit space (or its one full model), then the stacker.
    const y = Uint8Array.from(runs[0][0].heldout.labels);
    const member = (m: number, i: number) =>
      deployed[m].reduce((s, r) => s + logit(r.heldout.probs[i]), 0) / deployed[m].length;
    const p = Float64Array.from(y, (_, i) =>
      sigmoid(runs.reduce((z, _r, m) => z + stacker.weights[m] * member(m, i), stacker.bias)),
    );
    const metrics = binaryMetrics(y, p);
    const alone = runs.map((_r, m) => {
      const ok = y.filter((label, i) => (member(m, i) > 0 ? 1 : 0) === label).length;
      return `${names[m]} ${((100 * ok) / y.length).toFixed(2)}%`;
    });
    console.log(
      `${combo}: oof cv ${(100 * cv).toFixed(2)}%  held-out ${(100 * metrics.accuracy.value).toFixed(2)}% ECE ${metrics.ece.toFixed(4)} log-loss ${metrics.logLoss.toFixed(4)}  bagged alone: ${alone.join(", ")}  weights ${stacker.weights.map((w) => w.toFixed(2)).join(" ")}`,
    );
  }
} else {
  const data = await readImdb(resolveDataPath(), { splits: ["train", "unsup"] });
  const outer = splitByGroup(data.train, { validationFraction: 0.2, seed });
  const position = new Map(outer.train.map((r, i) => [r, i]));
  const folds = groupKFold(outer.train, K, seed);
  const heldoutTexts = outer.validation.map((r) => r.text);
  for (const spec of splitMembers(full ? evalArg : what)) {
    const { name, config } = parseMember(spec);
    for (const [k, fold] of full ? ([["full", folds[0]]] as const) : folds.entries()) {
      if (existsSync(file(name, k))) continue;
      // No refit in the folds: each fold model keeps its own 80%, so the K of them differ and bagging
      // has something to average.
      const noRefit = !full && (config.family === "nblr" || config.family === "fasttext");
      const model = (await getFamily(config.family)).create({
        ...config.hyperparameters,
        ...(noRefit ? { refit: false } : {}),
        seed: k === "full" ? seed : seed * 10 + k,
      }) as StackableModel;
      const started = performance.now();
      await model.fit(
        { train: fold.train, validation: fold.validation, unlabeled: data.unsup },
        { onProgress: phaseLogger(`${name} fold ${k}`) },
      );
      const logits = model.validationLogits;
      if (!logits) throw new Error(`${name} keeps no validation logits`);
      const labels = fold.validation.map((r) => r.label ?? 0);
      const acc = labels.filter((y, i) => (logits[i] > 0 ? 1 : 0) === y).length / labels.length;
      const run: FoldRun = {
        index: fold.validation.map((r) => position.get(r)!),
        logits: Array.from(logits),
        labels,
        heldout: {
          labels: outer.validation.map((r) => r.label ?? 0),
          probs: Array.from(await model.predictProba(heldoutTexts)),
        },
        acc,
        seconds: (performance.now() - started) / 1000,
      };
      await model.dispose?.();
      writeFileSync(file(name, k), JSON.stringify(run));
      console.log(
        `${name} fold ${k} seed ${seed}: fold val ${(acc * 100).toFixed(2)}% in ${run.seconds.toFixed(0)} s`,
      );
    }
  }
}
