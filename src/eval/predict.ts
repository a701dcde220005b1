// Batched prediction with progress and timing, shared by the evaluator and the robustness checks.
// Batches bound memory for neural families and let long runs report progress between them.
import type { ProgressEvent, SentimentModel } from "../models/model.ts";

export interface BatchOptions {
  batchSize?: number;
  /** Label of the progress bar phase. */
  phase?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Added to `done` / `total` when several calls share one progress bar. */
  offset?: number;
  total?: number;
  signal?: AbortSignal;
}

export interface BatchResult {
  probabilities: Float64Array;
  /** Wall time spent inside the model's predict calls. */
  seconds: number;
}

export const DEFAULT_BATCH_SIZE = 256;

/**
 * P(positive) for every text, `batchSize` at a time.
 * @throws Error naming the batch when the model returns the wrong number of probabilities.
 */
export async function predictInBatches(
  model: SentimentModel,
  texts: readonly string[],
  options: BatchOptions = {},
): Promise<BatchResult> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const phase = options.phase ?? "predict";
  const offset = options.offset ?? 0;
  const total = options.total ?? texts.length;
  const out = new Float64Array(texts.length);
  let seconds = 0;
  options.onProgress?.({ phase, done: offset, total });
  for (let start = 0; start < texts.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = texts.slice(start, start + batchSize);
    const t0 = performance.now();
    const p = await model.predictProba(batch);
    seconds += (performance.now() - t0) / 1000;
    if (p.length !== batch.length) {
      throw new Error(
        `model ${model.family} returned ${p.length} probabilities for a batch of ${batch.length} texts (texts ${start}-${start + batch.length - 1})`,
      );
    }
    out.set(p, start);
    options.onProgress?.({ phase, done: offset + start + batch.length, total });
  }
  return { probabilities: out, seconds };
}

/** Predicted ratings for every text in batches, or null when the model has no rating head. */
export async function predictRatingsInBatches(
  model: SentimentModel,
  texts: readonly string[],
  options: BatchOptions = {},
): Promise<Float64Array | null> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const phase = options.phase ?? "predict ratings";
  const out = new Float64Array(texts.length);
  for (let start = 0; start < texts.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = texts.slice(start, start + batchSize);
    const r = await model.predictRating(batch);
    if (r === null) return null;
    if (r.length !== batch.length) {
      throw new Error(
        `model ${model.family} returned ${r.length} ratings for a batch of ${batch.length} texts`,
      );
    }
    out.set(r, start);
    options.onProgress?.({ phase, done: start + batch.length, total: texts.length });
  }
  return out;
}
