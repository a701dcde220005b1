// Hogwild word2vec (as in word2vec.c): each worker thread trains on its share of an epoch's documents,
// reading and writing the same vectors in shared memory without locks. Collisions are rare (updates
// touch a few rows of a large matrix) and, as the original found, do not hurt the vectors.
import { Worker } from "node:worker_threads";
import type { Word2VecState } from "./word2vec-core.ts";

export async function startWorkers(count: number, state: Word2VecState): Promise<Worker[]> {
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL("./word2vec-worker.mjs", import.meta.url)),
  );
  for (const w of workers) w.postMessage({ state });
  return workers;
}

/** One epoch: `order` cut into one contiguous share per worker; `report` gets documents done, every 250 ms. */
export async function runEpoch(
  workers: Worker[],
  order: Uint32Array,
  seed: number,
  progress: BigInt64Array,
  report: (documentsDone: number) => void,
): Promise<void> {
  const start = Number(progress[1]);
  const share = Math.ceil(order.length / workers.length);
  const timer = setInterval(() => report(Number(progress[1]) - start), 250);
  try {
    await Promise.all(
      workers.map(
        (w, k) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = () => {
              w.off("error", onError);
              resolve();
            };
            const onError = (err: Error) => {
              w.off("message", onMessage);
              reject(err);
            };
            w.once("message", onMessage);
            w.once("error", onError);
            w.postMessage({ order: order.slice(k * share, (k + 1) * share), seed: seed * 100 + k });
          }),
      ),
    );
  } finally {
    clearInterval(timer);
  }
}
