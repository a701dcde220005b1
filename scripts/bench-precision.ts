// Time per DistilBERT fine-tuning step, fp32 vs bf16 autocast, on this machine's CPU (or GPU when the
// network is moved there; the model families keep it on the CPU today). Rounds alternate between the
// two precisions so background load hits both alike; the median over rounds is reported.
//
//   npx tsx scripts/bench-precision.ts                      # test fixture (dim 64, 2 layers), batch 16 x 128 tokens
//   npx tsx scripts/bench-precision.ts --shape base         # distilbert-base shape (dim 768, 6 layers), random weights
//   options: --batch 16 --length 128 --rounds 5 --steps 4 --threads 1
import { parseArgs } from "node:util";
import { getNumThreads, manualSeed, setNumThreads } from "../packages/torch/src/index.ts";
import { DistilBertModel } from "../src/models/distilbert/index.ts";
import { DistilBertNetwork } from "../src/models/distilbert/network.ts";
import { type Example, GroupedAdamW, stepPrecision, trainStep } from "../src/models/distilbert/train.ts";
import type { Precision } from "../src/train/precision.ts";
import { FIXTURE_DIR } from "../test/hf/fixture.ts";

const { values: o } = parseArgs({
  options: {
    shape: { type: "string", default: "fixture" },
    batch: { type: "string", default: "16" },
    length: { type: "string", default: "128" },
    rounds: { type: "string", default: "5" },
    steps: { type: "string", default: "4" },
    threads: { type: "string", default: "1" },
  },
});
const batchSize = Number(o.batch);
const length = Number(o.length);
const rounds = Number(o.rounds);
const steps = Number(o.steps);
setNumThreads(Number(o.threads));
manualSeed(0);

const fixture = await DistilBertModel.load(FIXTURE_DIR);
const network =
  o.shape === "base"
    ? new DistilBertNetwork({
        ...fixture.network.config,
        vocabSize: 30522,
        maxPositions: 512,
        dim: 768,
        layers: 6,
        heads: 12,
        hiddenDim: 3072,
      })
    : fixture.network;
const c = network.config;
if (length > c.maxPositions)
  throw new Error(`--length ${length} exceeds max_position_embeddings ${c.maxPositions}`);

// Fixed-length rows of random ids (no padding), alternating labels.
let s = 1;
const rand = () => {
  s = (s * 1103515245 + 12345) % 2 ** 31;
  return s / 2 ** 31;
};
const batch: Example[] = Array.from({ length: batchSize }, (_, i) => ({
  ids: Array.from({ length }, (_, j) =>
    j === 0 ? 101 % c.vocabSize : 1 + Math.floor(rand() * (c.vocabSize - 1)),
  ),
  label: i % 2,
}));

// Phase 2 of the default recipe: the head and the last 3 blocks train.
const names = network.trainableNames(3);
network.setTrainable(names);
const opt = new GroupedAdamW(network, names, 1e-5, 0.01);
const precisions: Precision[] = ["fp32", "bf16"];
const amp = Object.fromEntries(precisions.map((p) => [p, stepPrecision(network, p)]));
const times: Record<string, number[]> = { fp32: [], bf16: [] };
for (const p of precisions) trainStep(network, opt, batch, c.padTokenId, 1, amp[p]); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const p of r % 2 === 0 ? precisions : [...precisions].reverse()) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) trainStep(network, opt, batch, c.padTokenId, 1, amp[p]);
    times[p].push((performance.now() - t0) / steps);
  }
}
opt.dispose();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fp32 = median(times.fp32);
const bf16 = median(times.bf16);
const trained = names.reduce((n, k) => n + network.params.get(k)!.numel, 0);
console.log(
  JSON.stringify({
    shape: o.shape,
    dim: c.dim,
    layers: c.layers,
    trainedParams: trained,
    batch: batchSize,
    length,
    threads: getNumThreads(),
    msPerStep: { fp32: Math.round(fp32 * 10) / 10, bf16: Math.round(bf16 * 10) / 10 },
    bf16OverFp32: Math.round((bf16 / fp32) * 100) / 100,
    rounds: times,
  }),
);
if (network !== fixture.network) network.dispose();
await fixture.dispose();
