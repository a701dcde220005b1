import { describe, expect, it } from "vitest";
import { windowsFor } from "../../src/models/hf/windows.ts";

const ids = Array.from({ length: 10 }, (_, i) => i);
const base = { budget: 4, headFraction: 0.25, chunkOverlap: 0.5, maxChunks: 32 };

describe("long-text windows", () => {
  it("short texts are one window whatever the strategy", () => {
    for (const strategy of ["truncate", "head-tail", "chunks"] as const) {
      expect(windowsFor([1, 2], { ...base, strategy })).toEqual([[1, 2]]);
    }
  });

  it("truncate keeps the head, head-tail keeps both ends", () => {
    expect(windowsFor(ids, { ...base, strategy: "truncate" })).toEqual([[0, 1, 2, 3]]);
    expect(windowsFor(ids, { ...base, strategy: "head-tail" })).toEqual([[0, 7, 8, 9]]);
    expect(windowsFor(ids, { ...base, strategy: "head-tail", headFraction: 0.5 })).toEqual([[0, 1, 8, 9]]);
  });

  it("chunks cover every token, start at 0 and end flush with the text", () => {
    const ws = windowsFor(ids, { ...base, strategy: "chunks" });
    expect(ws[0]).toEqual([0, 1, 2, 3]);
    expect(ws.at(-1)).toEqual([6, 7, 8, 9]);
    expect(new Set(ws.flat()).size).toBe(10);
    for (const w of ws) expect(w.length).toBe(4);
  });

  it("chunks are capped, evenly spaced, still reaching the end", () => {
    const long = Array.from({ length: 1000 }, (_, i) => i);
    const ws = windowsFor(long, { ...base, strategy: "chunks", maxChunks: 3 });
    expect(ws.map((w) => w[0])).toEqual([0, 498, 996]);
  });
});
