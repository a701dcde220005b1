// Serving-time weight lookup: an open-addressing hash table from hashed n-gram bucket to its
// (class, rating) weights. ~24 MB for a million features, against 128 MB for a dense 2^24 array,
// and it stays in cache better. Buckets are already uniform hashes, so their low bits index slots.
export class WeightTable {
  private readonly keys: Uint32Array;
  private readonly values: Float32Array;
  private readonly mask: number;

  constructor(buckets: Uint32Array, classWeights: Float32Array, ratingWeights: Float32Array) {
    let size = 1;
    while (size < buckets.length * 2) size <<= 1;
    this.mask = size - 1;
    this.keys = new Uint32Array(size);
    this.values = new Float32Array(size * 2);
    for (let k = 0; k < buckets.length; k++) {
      const key = buckets[k] + 1; // 0 marks an empty slot
      let slot = buckets[k] & this.mask;
      while (this.keys[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.values[2 * slot] = classWeights[k];
      this.values[2 * slot + 1] = ratingWeights[k];
    }
  }

  /** Slot index of a bucket, or -1 when the model has no weight for it. */
  slot(bucket: number): number {
    const key = bucket + 1;
    let slot = bucket & this.mask;
    for (;;) {
      const k = this.keys[slot];
      if (k === key) return slot;
      if (k === 0) return -1;
      slot = (slot + 1) & this.mask;
    }
  }

  classWeight(slot: number): number {
    return this.values[2 * slot];
  }

  ratingWeight(slot: number): number {
    return this.values[2 * slot + 1];
  }
}
