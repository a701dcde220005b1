// `npm run bench:neural`: trains each neural configuration on IMDb train (validation carved from
// train, disjoint by movie), scores IMDb test once with the selected weights, and times the
// reference BiLSTM training step on this engine and in PyTorch from Python, in the same run.
// Results go to bench/results/neural-<name>.json (so configurations can be run one at a time) and
// the "Neural models" section of BENCHMARKS.md is rebuilt from all result files.
//
//   npm run bench:neural -- [--models bilstm-fast,lstm-glove,transformer] [--threads 1]
//                           [--step-only | --skip-step | --render] [--step-steps 2] [--data <archive>]
//   npm run bench:neural -- --models <name> --model-file <trained.sentiment> --skip-step
//                           (score a model trained by `sentiment train` with that configuration)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readImdb } from "../src/data/imdb.ts";
import { resolveDataPath } from "../src/data/paths.ts";
import "../src/models/families.ts";
import type { SentimentModel } from "../src/models/model.ts";
import { deepMerge } from "../src/models/neural/merge.ts";
import { loadModel } from "../src/models/registry.ts";
import { trainModel } from "../src/train/train.ts";
import { referenceStepTime } from "./neural-step.ts";

const ROOT = resolve(import.meta.dirname, "..");
const RESULTS = join(ROOT, "bench/results");

/** Configurations benchmarked: family + hyperparameters (variant defaults + the run's overrides). */
const CONFIGS: Record<string, { family: string; hyperparameters: Record<string, unknown> }> = {
  "bilstm-fast": { family: "bilstm", hyperparameters: { variant: "fast" } },
  // Needs vectors from `sentiment embeddings train --out models/glove.imdb.100d.txt` first.
  "lstm-glove": { family: "lstm", hyperparameters: { vectors: "models/glove.imdb.100d.txt" } },
  "lstm-glove-frozen": {
    family: "lstm",
    hyperparameters: { vectors: "models/glove.imdb.100d.txt", freezeEmbeddings: true },
  },
  transformer: { family: "transformer", hyperparameters: {} },
  "transformer-mlm": { family: "transformer", hyperparameters: { pretrain: { epochs: 1 } } },
};

const { values } = parseArgs({
  options: {
    models: { type: "string", default: Object.keys(CONFIGS).join(",") },
    threads: { type: "string", default: "1" },
    "step-only": { type: "boolean", default: false },
    "skip-step": { type: "boolean", default: false },
    /** Only rebuild the BENCHMARKS.md section from bench/results. */
    render: { type: "boolean", default: false },
    "step-steps": { type: "string", default: "2" },
    data: { type: "string" },
    params: { type: "string" },
    /** Score this saved model as configuration --models <name> instead of training one. */
    "model-file": { type: "string" },
    /** Free text stored with the result and printed under it (e.g. how the run was made). */
    note: { type: "string" },
  },
});
const threads = Number(values.threads);
const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
mkdirSync(RESULTS, { recursive: true });

async function stepComparison(): Promise<void> {
  const steps = Number(values["step-steps"]);
  log(`reference BiLSTM step: engine, ${steps} steps on ${threads} thread(s)`);
  const engine = await referenceStepTime({ threads, steps, warmup: 1 });
  log(`engine ${engine.msPerStep.toFixed(0)} ms/step; now PyTorch from Python`);
  const py = JSON.parse(
    execFileSync(
      "/usr/bin/python3",
      [
        join(ROOT, "bench/neural-reference.py"),
        "--threads",
        String(threads),
        "--steps",
        String(steps),
        "--warmup",
        "1",
      ],
      { encoding: "utf8" },
    ),
  );
  log(`python ${Number(py.msPerStep).toFixed(0)} ms/step`);
  writeFileSync(
    join(RESULTS, "neural-step.json"),
    JSON.stringify({ date: new Date().toISOString(), engine, python: py, batch: 64, length: 256 }, null, 2),
  );
}

async function trainAndTest(name: string): Promise<void> {
  const config = CONFIGS[name];
  if (!config) throw new Error(`unknown configuration ${name} (known: ${Object.keys(CONFIGS).join(", ")})`);
  const overrides = values.params ? JSON.parse(values.params) : {};
  const hyperparameters = deepMerge(config.hyperparameters, overrides);
  const training = { ...((hyperparameters.training as object) ?? {}), threads };
  log(`${name}: training ${JSON.stringify({ ...hyperparameters, training })}`);
  let lastLog = 0;
  const result = await trainModel({
    family: config.family,
    hyperparameters: { ...hyperparameters, training },
    dataPath: values.data,
    // Only MLM pre-training reads the unlabeled reviews.
    unlabeled: ((hyperparameters.pretrain as { epochs?: number } | undefined)?.epochs ?? 0) > 0,
    onProgress: (e) => {
      const now = Date.now();
      if (now - lastLog > 30_000 || e.done === e.total) {
        lastLog = now;
        const m = Object.entries(e.metrics ?? {})
          .map(([k, v]) => `${k}=${v.toFixed(4)}`)
          .join(" ");
        log(`${name}: ${e.phase} ${e.done}/${e.total} ${m}`);
      }
    },
  });
  const modelFile = join(ROOT, "scratch/neural", `${name}.sentiment`);
  await result.model.save(modelFile);
  log(`${name}: trained in ${result.seconds.toFixed(0)} s; scoring IMDb test once`);
  await testAndRecord(name, config.family, result.model, result.metrics, result.seconds);
}

/**
 * Score IMDb test once and write bench/results/neural-<name>.json. Also used with --model-file for a
 * model trained by `sentiment train` (same trainer; its fit metrics and history are in its metadata).
 */
async function testAndRecord(
  name: string,
  family: string,
  model: SentimentModel,
  metrics: Record<string, number>,
  trainSeconds: number,
): Promise<void> {
  const test = (await readImdb(resolveDataPath(values.data), { splits: ["test"] })).test;
  const started = performance.now();
  const p = await model.predictProba(test.map((r) => r.text));
  let correct = 0;
  for (let i = 0; i < test.length; i++) if ((p[i] >= 0.5 ? 1 : 0) === test[i].label) correct++;
  const meta = model.metadata();
  const training = (meta.hyperparameters as { training?: { threads?: number } }).training;
  const summary = {
    name,
    date: new Date().toISOString(),
    family,
    threads: training?.threads ?? threads,
    hyperparameters: meta.hyperparameters,
    parameterCount: meta.parameterCount,
    history: (meta.details as { training?: { history?: unknown } }).training?.history,
    metrics,
    trainSeconds,
    testAccuracy: correct / test.length,
    testReviews: test.length,
    testSeconds: (performance.now() - started) / 1000,
    ...(values.note ? { note: values.note } : {}),
  };
  log(`${name}: test accuracy ${(summary.testAccuracy * 100).toFixed(2)}%`);
  writeFileSync(join(RESULTS, `neural-${name}.json`), JSON.stringify(summary, null, 2));
}

interface EpochRow {
  epoch: number;
  seconds: number;
  valAccuracy: number;
  msPerStep: number;
}

function renderMarkdown(): string {
  const lines = [
    "## Neural models on libtorch (`npm run bench:neural`)",
    "",
    "Each configuration trained on IMDb train minus a movie-disjoint validation split (20%), weights",
    "selected by validation loss, IMDb test scored once. libtorch 1.13 (Debian `libtorch-dev`) through",
    "the N-API binding in `packages/torch`, CPU, one thread unless stated, on a 2-core machine shared",
    "with other jobs (wall-clock times include that contention).",
    "",
    "| Model | Params | Threads | Epochs run (best) | s / epoch | ms / step | Val acc | Test acc | Train s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const files = existsSync(RESULTS)
    ? readdirSync(RESULTS).filter((f) => /^neural-.*\.json$/.test(f) && f !== "neural-step.json")
    : [];
  const details: string[] = [];
  for (const f of files.sort()) {
    const r = JSON.parse(readFileSync(join(RESULTS, f), "utf8"));
    const h = (r.history ?? []) as EpochRow[];
    const perEpoch = h.reduce((s, e) => s + e.seconds, 0) / Math.max(1, h.length);
    const msStep = h.reduce((s, e) => s + e.msPerStep, 0) / Math.max(1, h.length);
    lines.push(
      `| ${r.name} | ${Number(r.parameterCount).toLocaleString("en")} | ${r.threads} | ${h.length} (${r.metrics.best_epoch}) | ${perEpoch.toFixed(0)} | ${msStep.toFixed(0)} | ${(r.metrics.val_accuracy * 100).toFixed(2)}% | ${(r.testAccuracy * 100).toFixed(2)}% | ${r.trainSeconds.toFixed(0)} |`,
    );
    details.push(
      `- ${r.name} (${r.date.slice(0, 16)}Z): per epoch ${h.map((e) => `${e.epoch}: ${e.seconds.toFixed(0)} s, val ${(e.valAccuracy * 100).toFixed(2)}%`).join("; ")}. Hyperparameters: \`${JSON.stringify(r.hyperparameters)}\`${r.note ? ` ${r.note}` : ""}`,
    );
  }
  lines.push("", ...details);
  lines.push(
    "",
    "Word vectors: lstm-glove uses 100-d GloVe from `sentiment embeddings train --out scratch/vectors/glove.imdb.100d.txt",
    "--dim 100` (defaults: window 10, 30,000 words, 15 epochs; IMDb train + unlabeled; 1,138 s on a machine shared",
    "with two training jobs); lstm-glove-frozen is an older run on 50-d vectors (`--dim 50 --window 5 --max-vocab 20000",
    "--epochs 5`, 101 s), 256 tokens and 4 epochs.",
  );
  const targets: Record<string, number> = {
    "bilstm-fast": 0.87,
    "lstm-glove": 0.87,
    transformer: 0.86,
    "transformer-mlm": 0.86,
  };
  const verdicts = files
    .map((f) => JSON.parse(readFileSync(join(RESULTS, f), "utf8")))
    .filter((r) => targets[r.name] !== undefined)
    .map(
      (r) =>
        `${r.name} ${(r.testAccuracy * 100).toFixed(2)}% vs target ${targets[r.name] * 100}%: ${r.testAccuracy >= targets[r.name] ? "met" : "not met"}`,
    );
  if (verdicts.length) lines.push("", `Accuracy targets (issue 4): ${verdicts.join("; ")}.`);
  const stepFile = join(RESULTS, "neural-step.json");
  if (existsSync(stepFile)) {
    const s = JSON.parse(readFileSync(stepFile, "utf8"));
    lines.push(
      "",
      "### Reference BiLSTM training step: this engine vs PyTorch from Python",
      "",
      `Batch ${s.batch}, length ${s.length}, 3,648,257 parameters, forward + backward + clip + Adam, ${s.engine.threads} thread(s), same machine, same run (${s.date.slice(0, 16)}Z).`,
      "",
      "| Engine | CPU ms / step | Wall ms / step | Steps timed |",
      "|---|---:|---:|---:|",
      `| TypeScript on libtorch ${s.engine.libtorch} (this project) | ${s.engine.cpuMsPerStep.toFixed(0)} | ${s.engine.msPerStep.toFixed(0)} | ${s.engine.steps} |`,
      `| PyTorch ${s.python.torch} from Python | ${s.python.cpuMsPerStep.toFixed(0)} | ${s.python.msPerStep.toFixed(0)} | ${s.python.steps} |`,
      "",
      "CPU time is the fair comparison on a shared machine (wall time depends on the other jobs). Both",
      "use packed sequences, as the reference does; libtorch's packed-LSTM backward on CPU dominates the step.",
    );
  }
  lines.push("", "Reproduce: `npm run bench:neural -- --models <names> --threads 1` (see bench/neural.ts).");
  return lines.join("\n");
}

function updateBenchmarks(): void {
  const file = join(ROOT, "BENCHMARKS.md");
  const start = "<!-- neural:start -->";
  const end = "<!-- neural:end -->";
  const section = `${start}\n${renderMarkdown()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const next = current.includes(start)
    ? current.slice(0, current.indexOf(start)) + section + current.slice(current.indexOf(end) + end.length)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  log("BENCHMARKS.md updated");
}

if (!values.render) {
  if (!values["step-only"]) {
    if (values["model-file"]) {
      // A model trained elsewhere (e.g. `sentiment train --model bilstm ...`): score and record it.
      const name = values.models!;
      const model = await loadModel(values["model-file"]);
      const metrics = model.metadata().metrics;
      await testAndRecord(name, model.family, model, metrics, metrics.fit_seconds ?? Number.NaN);
    } else for (const name of values.models!.split(",").filter(Boolean)) await trainAndTest(name);
  }
  if (!values["skip-step"]) await stepComparison();
}
updateBenchmarks();
