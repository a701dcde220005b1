// The model the server is serving, and hot swaps of it. A request reads `holder.current` once and uses
// that object until it answers, so a swap never changes the model under a running request: in-flight
// requests finish on the old model, new ones get the new model. A swap loads and exercises the new model
// completely before the reference changes, and swaps are serialised, so a failed load leaves the old
// model serving and two concurrent activations cannot interleave. Requests that run the model do so
// through `use()`, which counts them: a swapped-out model is disposed (native memory of libtorch and
// ONNX models freed) once its last in-flight request finishes.
import { type ModelMetadata, predict, type SentimentModel } from "../models/model.ts";
import type { ModelEntry, ModelSource } from "./modelSource.ts";

export interface ActiveModel {
  readonly entry: ModelEntry;
  readonly model: SentimentModel;
  readonly metadata: ModelMetadata;
  readonly loadedAt: string;
  readonly loadSeconds: number;
}

/** What each response says about the model that produced it. */
export interface ModelRef {
  id: string;
  version: string | null;
  family: string;
  modelId: string;
}

export function modelRef(active: ActiveModel): ModelRef {
  return {
    id: active.entry.id,
    version: active.entry.version,
    family: active.metadata.family,
    modelId: active.metadata.id,
  };
}

const WARM_UP_TEXT = "A warm-up review: the acting was good, the plot was not.";

/** Load a model and run it once end to end, so a broken model fails here and not on a user request. */
export async function loadAndCheck(source: ModelSource, entry: ModelEntry): Promise<ActiveModel> {
  const t0 = performance.now();
  const model = await source.load(entry);
  const metadata = model.metadata();
  const [prediction] = await predict(model, [WARM_UP_TEXT]);
  if (!prediction || !Number.isFinite(prediction.confidence)) {
    throw new Error(`model "${entry.id}" returned no valid probability for a test review`);
  }
  await model.explain(WARM_UP_TEXT);
  return {
    entry,
    model,
    metadata,
    loadedAt: new Date().toISOString(),
    loadSeconds: (performance.now() - t0) / 1000,
  };
}

export class ModelHolder {
  #current: ActiveModel;
  #queue: Promise<unknown> = Promise.resolve();
  /** In-flight `use()` calls per model; swapped-out models stay here until their count reaches 0. */
  readonly #inUse = new Map<ActiveModel, number>();
  readonly #listeners: ((active: ActiveModel, previous: ActiveModel) => void)[] = [];

  constructor(initial: ActiveModel) {
    this.#current = initial;
  }

  get current(): ActiveModel {
    return this.#current;
  }

  /**
   * Run `fn` on the current model; the model is not disposed before `fn` settles, even if a swap
   * replaces it meanwhile.
   */
  async use<T>(fn: (active: ActiveModel) => Promise<T>): Promise<T> {
    const active = this.#current;
    this.#inUse.set(active, (this.#inUse.get(active) ?? 0) + 1);
    try {
      return await fn(active);
    } finally {
      const left = (this.#inUse.get(active) ?? 1) - 1;
      if (left > 0) this.#inUse.set(active, left);
      else {
        this.#inUse.delete(active);
        if (active !== this.#current) await disposeModel(active);
      }
    }
  }

  onSwap(listener: (active: ActiveModel, previous: ActiveModel) => void): void {
    this.#listeners.push(listener);
  }

  /** Load `entry` fully, then make it current. Rejects (keeping the old model) when loading fails. */
  swap(source: ModelSource, entry: ModelEntry): Promise<ActiveModel> {
    const run = this.#queue.then(async () => {
      const next = await loadAndCheck(source, entry);
      const previous = this.#current;
      this.#current = next;
      for (const listener of this.#listeners) listener(next, previous);
      if (!this.#inUse.has(previous)) await disposeModel(previous);
      return next;
    });
    // Keep the queue alive after a failure; the caller still sees the rejection through `run`.
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Free a retired model's native resources; a failure is logged by the caller's logger, never thrown. */
async function disposeModel(active: ActiveModel): Promise<void> {
  try {
    await active.model.dispose?.();
  } catch (err) {
    process.emitWarning(`disposing model "${active.entry.id}" failed: ${(err as Error).message}`);
  }
}
