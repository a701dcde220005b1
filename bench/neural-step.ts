// Engine twin of bench/neural-reference.py: times the reference BiLSTM training step on the binding.

import { bilstmSpec } from "../src/models/bilstm/family.ts";
import { parseBilstmParams } from "../src/models/bilstm/params.ts";
import { makeBatch } from "../src/models/neural/batching.ts";
import { loadTorch } from "../src/models/neural/torch.ts";

export interface StepTiming {
  msPerStep: number;
  /** CPU time per step of this process (robust to other jobs sharing the machine). */
  cpuMsPerStep: number;
  steps: number;
  threads: number;
  libtorch: string;
}

/** Mean time of `steps` reference training steps (batch 64, length 256) after `warmup` steps. */
export async function referenceStepTime(o: {
  threads: number;
  steps: number;
  warmup: number;
}): Promise<StepTiming> {
  const torch = await loadTorch();
  torch.setNumThreads(o.threads);
  torch.manualSeed(0);
  const p = parseBilstmParams({ variant: "reference" });
  const vocab = Array.from({ length: 10_002 }, (_, i) => (i === 0 ? "<PAD>" : i === 1 ? "<UNK>" : `w${i}`));
  const net = await bilstmSpec.architecture.build(torch, p, vocab, "train");
  const params = net.store.list();
  const opt = new torch.Optimizer("adam", params, { lr: 1e-3 });
  const seqs = Array.from({ length: 64 }, (_, i) =>
    Int32Array.from({ length: 256 }, (_, t) => 2 + ((i * 7919 + t * 104729) % 10_000)),
  );
  const batch = makeBatch(
    seqs,
    seqs.map((_, i) => i),
    seqs.map((_, i) => i % 2),
  );
  const step = () =>
    torch.tidy(() => {
      opt.zeroGrad();
      const loss = torch.bceWithLogits(net.forward(batch, true), torch.tensor(batch.labels!, [batch.size]));
      loss.backward();
      torch.clipGradNorm(params, 1);
      opt.step();
    });
  for (let i = 0; i < o.warmup; i++) step();
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < o.steps; i++) step();
  const msPerStep = (performance.now() - started) / o.steps;
  const used = process.cpuUsage(cpu);
  const cpuMsPerStep = (used.user + used.system) / 1000 / o.steps;
  opt.dispose();
  net.store.dispose();
  return { msPerStep, cpuMsPerStep, steps: o.steps, threads: o.threads, libtorch: torch.libtorchVersion() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const steps = Number(process.argv[2] ?? 10);
  console.log(JSON.stringify(await referenceStepTime({ threads: 1, steps, warmup: 2 })));
}
