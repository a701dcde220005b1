// Word-word co-occurrence counts for GloVe (Pennington et al. 2014, section 3): symmetric context
// window, each pair weighted 1/distance, out-of-vocabulary words removed before windowing (as the
// reference `cooccur` tool does). Stored once per unordered pair in an open-addressing hash table
// of typed arrays: a JS Map tops out at ~16.7M entries and costs ~80 bytes per entry.
const EMPTY = 0xffffffff;

export class CooccurrenceTable {
  keys: Uint32Array;
  values: Float32Array;
  size = 0;

  constructor(
    readonly vocabSize: number,
    capacityLog2 = 22,
  ) {
    if (vocabSize * vocabSize >= EMPTY)
      throw new RangeError(`vocabulary of ${vocabSize} words is too large for 32-bit pair keys`);
    this.keys = new Uint32Array(1 << capacityLog2).fill(EMPTY);
    this.values = new Float32Array(1 << capacityLog2);
  }

  /** X[i][j] += w for i <= j (callers pass each unordered pair once). */
  add(i: number, j: number, w: number): void {
    const key = i <= j ? i * this.vocabSize + j : j * this.vocabSize + i;
    const mask = this.keys.length - 1;
    // Multiplicative hashing spreads the structured keys (row * V + col) over the table.
    let slot = Math.imul(key, 0x9e3779b1) >>> 0;
    slot &= mask;
    for (;;) {
      const k = this.keys[slot];
      if (k === key) {
        this.values[slot] += w;
        return;
      }
      if (k === EMPTY) {
        this.keys[slot] = key;
        this.values[slot] = w;
        if (++this.size > this.keys.length * 0.7) this.#grow();
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2).fill(EMPTY);
    this.values = new Float32Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let s = 0; s < keys.length; s++) {
      const key = keys[s];
      if (key === EMPTY) continue;
      let slot = (Math.imul(key, 0x9e3779b1) >>> 0) & mask;
      while (this.keys[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.values[slot] = values[s];
    }
  }

  /** The non-zero entries as parallel arrays (row, col, count), row <= col. */
  entries(): { rows: Uint32Array; cols: Uint32Array; counts: Float32Array } {
    const rows = new Uint32Array(this.size);
    const cols = new Uint32Array(this.size);
    const counts = new Float32Array(this.size);
    let n = 0;
    for (let s = 0; s < this.keys.length; s++) {
      const key = this.keys[s];
      if (key === EMPTY) continue;
      rows[n] = Math.floor(key / this.vocabSize);
      cols[n] = key % this.vocabSize;
      counts[n] = this.values[s];
      n++;
    }
    return { rows, cols, counts };
  }
}

/** Count co-occurrences of `ids` (one document, OOV already removed) within `window` positions. */
export function countDocument(table: CooccurrenceTable, ids: Int32Array, window: number): void {
  for (let a = 0; a < ids.length; a++) {
    const end = Math.min(ids.length, a + window + 1);
    for (let b = a + 1; b < end; b++) table.add(ids[a], ids[b], 1 / (b - a));
  }
}
