// Batches of id sequences for the neural families: padded [B, T] id matrices with lengths sorted
// longest first (what packed LSTMs need), optionally bucketed by length so a batch of short reviews
// does not pay for one long review's padding (the "fast" CPU variants).
import { rng, shuffle } from "../../util/random.ts";
import { PAD_ID } from "./vocab.ts";

export interface Batch {
  /** Row-major [size, time] token ids, PAD_ID after each sequence's end. */
  ids: Int32Array;
  /** Real lengths, non-increasing. */
  lengths: number[];
  size: number;
  time: number;
  /** Positions of the rows in the input list (so predictions can be put back in order). */
  index: number[];
  /** 0/1 targets of the rows, when the data is labelled. */
  labels?: Float32Array;
}

export function makeBatch(seqs: readonly Int32Array[], index: number[], labels?: ArrayLike<number>): Batch {
  const order = [...index].sort((a, b) => seqs[b].length - seqs[a].length);
  const time = seqs[order[0]].length;
  const ids = new Int32Array(order.length * time).fill(PAD_ID);
  for (const [row, k] of order.entries()) ids.set(seqs[k], row * time);
  return {
    ids,
    lengths: order.map((k) => seqs[k].length),
    size: order.length,
    time,
    index: order,
    labels: labels ? Float32Array.from(order, (k) => labels[k]) : undefined,
  };
}

export interface BatchOptions {
  batchSize: number;
  /** Group similar lengths (sorted within shuffled chunks of 50 batches, BucketIterator-style). */
  bucket: boolean;
  /** Shuffle (training); otherwise batches keep input order (or sorted order when bucketing). */
  shuffle: boolean;
  seed: number;
}

export function makeBatches(
  seqs: readonly Int32Array[],
  labels: ArrayLike<number> | undefined,
  o: BatchOptions,
): Batch[] {
  const random = rng(o.seed);
  let order = seqs.map((_, i) => i);
  if (o.shuffle) order = shuffle(order, random);
  if (o.bucket) {
    const chunk = o.batchSize * 50;
    const sorted: number[] = [];
    for (let s = 0; s < order.length; s += chunk) {
      sorted.push(...order.slice(s, s + chunk).sort((a, b) => seqs[a].length - seqs[b].length));
    }
    order = sorted;
  }
  const batches: Batch[] = [];
  for (let s = 0; s < order.length; s += o.batchSize) {
    batches.push(makeBatch(seqs, order.slice(s, s + o.batchSize), labels));
  }
  return o.shuffle && o.bucket ? shuffle(batches, random) : batches;
}
