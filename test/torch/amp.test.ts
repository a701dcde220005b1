// Mixed precision in the binding: autocast regions (CPU bfloat16 here; the CUDA flags are only
// toggled and restored, as this build has no GPU) and the GradScaler's PyTorch semantics.
import { describe, expect, it } from "vitest";
import {
  autocast,
  autocastState,
  bceWithLogits,
  finfo,
  GradScaler,
  Linear,
  linear,
  manualSeed,
  Optimizer,
  ParameterStore,
  randn,
  tensor,
  tidy,
  zeros,
} from "../../packages/torch/src/index.ts";
import { hasTorch, torchSkipReason } from "./setup.ts";

const BF16 = { device: "cpu", dtype: "bfloat16" } as const;

describe.skipIf(!hasTorch)(`autocast${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("CPU bfloat16: linear and matmul run in bfloat16 inside the region, float32 after; losses stay float32", () => {
    tidy(() => {
      const x = randn([4, 3]);
      const w = randn([2, 3]);
      expect(autocastState("cpu").enabled).toBe(false);
      autocast(BF16, () => {
        expect(autocastState("cpu")).toEqual({ enabled: true, dtype: "bfloat16" });
        const y = linear(x, w);
        expect(y.dtype).toBe("bfloat16");
        expect(x.matmul(w.transpose(0, 1)).dtype).toBe("bfloat16");
        // On libtorch's float32 list: the loss is computed in float32 from bfloat16 logits.
        expect(bceWithLogits(y.select(1, 0), zeros([4])).dtype).toBe("float32");
        // Ops off both lists follow type promotion.
        expect(x.add(1).dtype).toBe("float32");
      });
      expect(linear(x, w).dtype).toBe("float32");
      expect(x.matmul(w.transpose(0, 1)).dtype).toBe("float32");
      expect(autocastState("cpu").enabled).toBe(false);
    });
  });

  it("the bfloat16 result is the float32 one at bfloat16 precision; gradients reach float32 parameters", () => {
    manualSeed(1);
    const store = new ParameterStore();
    const layer = new Linear(store, "fc", 16, 8);
    tidy(() => {
      const x = randn([32, 16]);
      const exact = linear(x, layer.weight, layer.bias).toFloat32Array();
      const y = autocast(BF16, () => layer.forward(x));
      const approx = y.toFloat32Array(); // bfloat16 -> Float32Array
      let worst = 0;
      for (let i = 0; i < exact.length; i++) worst = Math.max(worst, Math.abs(exact[i] - approx[i]));
      expect(worst).toBeGreaterThan(0); // really ran in lower precision
      expect(worst).toBeLessThan(0.05);
      y.to("float32").pow(2).mean().backward(); // backward outside the region, as in PyTorch
      expect(layer.weight.grad?.dtype).toBe("float32");
      expect(layer.bias?.grad?.dtype).toBe("float32");
    });
    store.dispose();
  });

  it("nested regions restore the enclosing state, per device; enabled:false switches autocast off inside", () => {
    tidy(() => {
      const x = randn([2, 2]);
      autocast(BF16, () => {
        autocast({ device: "cpu", enabled: false }, () => {
          expect(autocastState("cpu").enabled).toBe(false);
          expect(x.matmul(x).dtype).toBe("float32");
        });
        expect(x.matmul(x).dtype).toBe("bfloat16");
        autocast({ device: "cuda", dtype: "bfloat16" }, () => {
          expect(autocastState("cuda")).toEqual({ enabled: true, dtype: "bfloat16" });
          expect(autocastState("cpu").enabled).toBe(true);
        });
        expect(autocastState("cuda")).toEqual({ enabled: false, dtype: "float16" });
        autocast(BF16, () => expect(x.matmul(x).dtype).toBe("bfloat16"));
        expect(autocastState("cpu")).toEqual({ enabled: true, dtype: "bfloat16" });
      });
      expect(autocastState("cpu").enabled).toBe(false);
      expect(x.matmul(x).dtype).toBe("float32");
    });
  });

  it("an exception inside a region restores the previous state", () => {
    expect(() =>
      autocast(BF16, () =>
        autocast({ device: "cuda" }, () => {
          throw new Error("boom");
        }),
      ),
    ).toThrow("boom");
    expect(autocastState("cpu").enabled).toBe(false);
    expect(autocastState("cuda")).toEqual({ enabled: false, dtype: "float16" });
    // A libtorch error (shape mismatch) inside the region, too.
    expect(() => autocast(BF16, () => tidy(() => randn([2, 3]).matmul(randn([2, 3]))))).toThrow(/libtorch/);
    expect(autocastState("cpu").enabled).toBe(false);
  });

  it("clears the cache of casted weights when the outermost region ends", () => {
    const store = new ParameterStore();
    const w = store.add("w", zeros([1, 1]).fill_(1));
    tidy(() => {
      const x = tensor([1], [1, 1]);
      autocast(BF16, () => {
        expect(linear(x, w).item()).toBe(1);
        w.fill_(3); // what an optimizer step does between iterations
        // Within one region the bfloat16 copy of a weight is cast once and reused (PyTorch too)...
        autocast(BF16, () => expect(linear(x, w).item()).toBe(1));
      });
      // ...and dropped when the outermost region ends, so the next iteration sees the new weights.
      expect(autocast(BF16, () => linear(x, w).item())).toBe(3);
    });
    store.dispose();
  });

  it("refuses float16 on the CPU (libtorch's CPU autocast is bfloat16 only)", () => {
    expect(() => autocast({ device: "cpu", dtype: "float16" }, () => 1)).toThrow(/bfloat16.*CUDA/);
    expect(autocastState("cpu").enabled).toBe(false);
  });

  it("bfloat16 and float16 tensors convert both ways; finfo gives their limits", () => {
    tidy(() => {
      for (const dtype of ["bfloat16", "float16"] as const) {
        const t = tensor([1.5, -2.25, 1000], [3], dtype);
        expect(t.narrow(0, 0, 2).sum().item()).toBe(-0.75);
        expect(t.dtype).toBe(dtype);
        expect(Array.from(t.toFloat32Array())).toEqual([1.5, -2.25, 1000]);
        expect(t.to("float32").dtype).toBe("float32");
        expect(zeros([2], { dtype }).dtype).toBe(dtype);
        expect(t.sum().dtype).toBe(dtype);
        // The most negative finite value is representable (masked attention scores).
        expect(zeros([1], { dtype }).fill_(finfo(dtype).min).item()).toBe(finfo(dtype).min);
      }
      expect(tensor([1 / 3], [1], "bfloat16").item()).toBe(0.333984375);
      expect(() => zeros([1], { dtype: "bfloat16" }).fill_(finfo("float32").min)).toThrow(/overflow/);
    });
    expect(() => finfo("int64")).toThrow(TypeError);
  });
});

/** A fresh 2-parameter model and its SGD optimizer, identical for a given seed. */
function setup(seed: number): { store: ParameterStore; layer: Linear; opt: Optimizer } {
  manualSeed(seed);
  const store = new ParameterStore();
  const layer = new Linear(store, "fc", 5, 1);
  return { store, layer, opt: new Optimizer("sgd", store.list(), { lr: 0.1 }) };
}

function loss(layer: Linear, seed: number): ReturnType<typeof bceWithLogits> {
  manualSeed(seed + 100);
  const x = randn([8, 5]);
  const y = tensor([1, 0, 1, 1, 0, 0, 1, 0], [8]);
  return bceWithLogits(layer.forward(x).reshape([8]), y);
}

const values = (store: ParameterStore) => store.list().map((p) => Array.from(p.toFloat32Array()));
const grads = (store: ParameterStore) => store.list().map((p) => Array.from(p.grad!.toFloat32Array()));

describe.skipIf(!hasTorch)(`GradScaler${torchSkipReason ? ` (${torchSkipReason})` : ""}`, () => {
  it("finite gradients: the step is taken and the unscaled gradients equal an unscaled run's exactly", () => {
    const plain = setup(1);
    tidy(() => loss(plain.layer, 1).backward());
    const wantGrads = grads(plain.store);
    plain.opt.step();

    const scaled = setup(1);
    const scaler = new GradScaler();
    expect(scaler.getScale()).toBe(65536);
    tidy(() => scaler.scale(loss(scaled.layer, 1)).backward());
    expect(grads(scaled.store)[1][0]).toBe(wantGrads[1][0] * 65536); // scaled by a power of two: exact
    expect(scaler.unscale(scaled.opt)).toBe(true);
    expect(grads(scaled.store)).toEqual(wantGrads);
    expect(scaler.step(scaled.opt)).toBe(true);
    scaler.update();
    expect(values(scaled.store)).toEqual(values(plain.store));
    expect(scaler.getScale()).toBe(65536);
    expect(scaler.state()).toEqual({ scale: 65536, growthTracker: 1 });
    for (const s of [plain, scaled]) {
      s.opt.dispose();
      s.store.dispose();
    }
  });

  it("an inf or NaN gradient: the step is skipped, parameters stay put, the scale halves", () => {
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN]) {
      const { store, layer, opt } = setup(2);
      const before = values(store);
      const scaler = new GradScaler({ growthInterval: 1 });
      tidy(() => scaler.scale(loss(layer, 2)).backward());
      layer.weight.grad!.select(1, 3).fill_(bad); // one poisoned element
      expect(scaler.step(opt)).toBe(false); // unscale happens inside step
      scaler.update();
      expect(values(store)).toEqual(before);
      expect(scaler.state()).toEqual({ scale: 32768, growthTracker: 0 });
      opt.dispose();
      store.dispose();
    }
  });

  it("a loss scale that overflows the gradients is found and backed off until steps succeed", () => {
    const { store, layer, opt } = setup(3);
    const scaler = new GradScaler({ initScale: 2 ** 200 }); // float32 max is ~2^128: grads become inf
    let skipped = 0;
    while (skipped < 200) {
      const stepped = tidy(() => {
        opt.zeroGrad();
        scaler.scale(loss(layer, 3)).backward();
        const ok = scaler.step(opt);
        scaler.update();
        return ok;
      });
      if (stepped) break;
      skipped++;
    }
    expect(skipped).toBeGreaterThan(70);
    expect(scaler.getScale()).toBe(2 ** (200 - skipped));
    expect(scaler.getScale()).toBeLessThan(2 ** 128);
    opt.dispose();
    store.dispose();
  });

  it("grows the scale by growthFactor after growthInterval clean steps, and the count restarts", () => {
    const { store, layer, opt } = setup(4);
    const scaler = new GradScaler({ initScale: 8, growthInterval: 3 });
    const scales: number[] = [];
    for (let i = 0; i < 7; i++) {
      tidy(() => {
        opt.zeroGrad();
        scaler.scale(loss(layer, i)).backward();
        scaler.step(opt);
        scaler.update();
      });
      scales.push(scaler.getScale());
    }
    expect(scales).toEqual([8, 8, 16, 16, 16, 32, 32]);
    opt.dispose();
    store.dispose();
  });

  it("state round-trips for checkpoints; misuse is an error; disabled is a pass-through", () => {
    const a = new GradScaler({ initScale: 1024, growthInterval: 10 });
    a.loadState({ scale: 512, growthTracker: 7 });
    const b = new GradScaler();
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(b.state()).toEqual({ scale: 512, growthTracker: 7 });
    expect(() => b.loadState({ scale: 0, growthTracker: 0 })).toThrow(RangeError);
    expect(() => b.update()).toThrow(/without unscale/);

    const { store, layer, opt } = setup(5);
    tidy(() => b.scale(loss(layer, 5)).backward());
    b.unscale(opt);
    expect(() => b.unscale(opt)).toThrow(/already/);
    b.step(opt);
    expect(() => b.step(opt)).toThrow(/already/);
    b.update();

    const off = new GradScaler({ enabled: false });
    tidy(() => {
      const l = loss(layer, 5);
      expect(off.scale(l)).toBe(l);
    });
    expect(off.getScale()).toBe(1);
    const before = values(store);
    tidy(() => {
      opt.zeroGrad();
      loss(layer, 5).backward();
    });
    expect(off.step(opt)).toBe(true);
    off.update();
    expect(values(store)).not.toEqual(before);
    opt.dispose();
    store.dispose();
  });
});
