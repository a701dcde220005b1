// The libtorch binding: ops against hand-computed values, autograd, optimizers, seeding, scopes, errors.
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import {
  bceWithLogits,
  Conv1d,
  clipGradNorm,
  conv1d,
  Linear,
  Lstm,
  manualSeed,
  noGrad,
  Optimizer,
  ParameterStore,
  randn,
  setNumThreads,
  tensor,
  tidy,
  zeros,
} from "../../packages/torch/src/index.ts";
import { hasTorch, torchSkipReason } from "./setup.ts";

describe.skipIf(!hasTorch)(`libtorch binding${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("computes ops and copies data both ways", () => {
    const a = tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const b = a.matmul(a);
    expect(b.shape).toEqual([2, 2]);
    expect(Array.from(b.toFloat32Array())).toEqual([7, 10, 15, 22]);
    expect(a.add(1).mul(2).sum().item()).toBe(28);
    expect(a.mean([1]).toFloat32Array()).toEqual(new Float32Array([1.5, 3.5]));
    const idx = tensor(new Int32Array([1, 0]), [2], "int64");
    expect(idx.dtype).toBe("int64");
    expect(Array.from(a.indexSelect(0, idx).toFloat32Array())).toEqual([3, 4, 1, 2]);
    for (const t of [a, b, idx]) t.dispose();
  });

  it("conv1d slides the kernel over time (with padding) and has PyTorch's parameter shapes", () => {
    // x: 1 batch, 1 channel, [1 2 3 4]; kernel [1 0 -1] -> x[t] - x[t+2].
    const x = tensor(new Float32Array([1, 2, 3, 4]), [1, 1, 4]);
    const w = tensor(new Float32Array([1, 0, -1]), [1, 1, 3]);
    expect(Array.from(conv1d(x, w).toFloat32Array())).toEqual([-2, -2]);
    expect(Array.from(conv1d(x, w, tensor(new Float32Array([10]), [1]), 1).toFloat32Array())).toEqual([
      8, 8, 8, 13,
    ]);
    const store = new ParameterStore();
    const conv = new Conv1d(store, "conv", 8, 16, 5, 2);
    expect(conv.weight.shape).toEqual([16, 8, 5]);
    expect(conv.forward(randn([2, 8, 30])).shape).toEqual([2, 16, 30]);
    store.dispose();
  });

  it("differentiates: d/dx sum(x^2) = 2x", () => {
    const x = tensor(new Float32Array([1, -2, 3])).setRequiresGrad();
    const y = x.pow(2).sum();
    y.backward();
    expect(Array.from(x.grad!.toFloat32Array())).toEqual([2, -4, 6]);
    const z = noGrad(() => x.mul(3));
    expect(z.requiresGrad).toBe(false);
  });

  it("reports libtorch errors as exceptions with libtorch's message", () => {
    const a = zeros([2, 2]);
    expect(() => a.matmul(zeros([3, 3]))).toThrow(
      /libtorch: mat1 and mat2 shapes cannot be multiplied \(2x2 and 3x3\)/,
    );
    a.dispose();
    expect(() => a.add(1)).toThrow(/disposed/);
    expect(() => tensor(new Float32Array(3), [2, 2])).toThrow(/shape has 4 elements but the array has 3/);
  });

  it("is deterministic under manualSeed", () => {
    manualSeed(42);
    const a = randn([5]).toFloat32Array();
    manualSeed(42);
    const b = randn([5]).toFloat32Array();
    manualSeed(43);
    const c = randn([5]).toFloat32Array();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("tidy frees intermediates and keeps the returned tensor", () => {
    let inner: ReturnType<typeof zeros> | undefined;
    const out = tidy(() => {
      inner = zeros([3]).add(1);
      return inner.mul(2);
    });
    expect(inner!.disposed).toBe(true);
    expect(out.disposed).toBe(false);
    expect(out.sum().item()).toBe(6);
  });

  it.each(["adam", "adamw", "sgd"] as const)("%s fits a linear regression", (kind) => {
    manualSeed(1);
    const store = new ParameterStore();
    const layer = new Linear(store, "fc", 3, 1);
    const opt = new Optimizer(kind, store.list(), { lr: kind === "sgd" ? 0.1 : 0.05, momentum: 0.9 });
    const x = randn([64, 3]);
    const y = tidy(() => x.matmul(tensor(new Float32Array([1, -2, 0.5]), [3, 1])).add(0.3));
    const lossAt = () => noGrad(() => tidy(() => layer.forward(x).sub(y).pow(2).mean().item()));
    const before = lossAt();
    for (let i = 0; i < 200; i++) {
      tidy(() => {
        opt.zeroGrad();
        const loss = layer.forward(x).sub(y).pow(2).mean();
        loss.backward();
        clipGradNorm(store.list(), 5);
        opt.step();
      });
    }
    expect(lossAt()).toBeLessThan(before / 100);
    opt.dispose();
    store.dispose();
  });

  it("clips the global gradient norm", () => {
    const p = tensor(new Float32Array([0, 0])).setRequiresGrad();
    p.mul(tensor(new Float32Array([3, 4])))
      .sum()
      .backward();
    expect(clipGradNorm([p], 1)).toBeCloseTo(5, 5);
    const g = p.grad!.toFloat32Array();
    expect(Math.hypot(g[0], g[1])).toBeCloseTo(1, 4);
  });

  it("packed LSTM ignores padding: a padded sequence gives the same final state as the unpadded one", () => {
    manualSeed(3);
    const store = new ParameterStore();
    const lstm = new Lstm(store, "lstm", {
      inputSize: 4,
      hiddenSize: 5,
      numLayers: 2,
      bidirectional: true,
      dropout: 0,
    });
    const seq = randn([1, 3, 4]);
    const padded = tidy(() => {
      const pad = zeros([1, 2, 4]);
      const long = randn([1, 5, 4]);
      return tensor(
        new Float32Array([...long.toFloat32Array(), ...seq.toFloat32Array(), ...pad.toFloat32Array()]),
        [2, 5, 4],
      );
    });
    noGrad(() => {
      const alone = lstm.forward(seq, false).h.toFloat32Array();
      const packed = lstm.forwardPacked(padded, [5, 3], false).h;
      // h is [layers*dirs, B, H]; take batch item 1 of every layer/direction.
      const h = packed.toFloat32Array();
      const item1 = [0, 1, 2, 3].flatMap((ld) => Array.from(h.subarray(ld * 10 + 5, ld * 10 + 10)));
      expect(item1.map((v) => v.toFixed(5))).toEqual(Array.from(alone, (v) => v.toFixed(5)));
    });
    expect(store.count()).toBe(2 * (4 * 5 * (4 + 5) + 8 * 5) + 2 * (4 * 5 * (10 + 5) + 8 * 5));
    store.dispose();
  });

  // The training loop yields to the event loop (as the trainer does between batches): N-API runs the
  // finalizers of collected handle objects from the event loop, so a loop that never yields piles
  // them up. Tensor memory itself is freed synchronously by tidy/dispose.
  it("10,000 training steps do not grow RSS", async () => {
    setNumThreads(1);
    manualSeed(7);
    const store = new ParameterStore();
    const fc1 = new Linear(store, "fc1", 32, 64);
    const fc2 = new Linear(store, "fc2", 64, 1);
    const opt = new Optimizer("adam", store.list(), { lr: 1e-3 });
    const x = randn([16, 32]);
    const y = tidy(() => randn([16, 1]).gt(0).to("float32"));
    const step = () =>
      tidy(() => {
        opt.zeroGrad();
        const loss = bceWithLogits(fc2.forward(fc1.forward(x).relu()), y);
        loss.backward();
        clipGradNorm(store.list(), 1);
        opt.step();
      });
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        step();
        if (i % 100 === 99) await new Promise(setImmediate);
      }
    };
    // Collect garbage (and let N-API finalizers run) before each reading, so the number measures
    // native memory held by the binding, not how far the JS heap happened to get before its next GC.
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const settledRss = async () => {
      gc();
      await new Promise(setImmediate);
      gc();
      return process.memoryUsage().rss;
    };
    // Warm up until allocator caches and the JIT have settled (measured: RSS flat from 10k steps on).
    await run(10_000);
    const before = await settledRss();
    await run(10_000);
    const grown = (await settledRss()) - before;
    // Leaking even one 16x64 activation per step would add > 40 MB.
    expect(grown).toBeLessThan(10 * 1024 * 1024);
    opt.dispose();
    store.dispose();
  });
});
