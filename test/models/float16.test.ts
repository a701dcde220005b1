import { describe, expect, it } from "vitest";
import { decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from "../../src/util/float16.ts";

describe("float16", () => {
  it("round-trips representable values exactly", () => {
    for (const v of [0, 1, -1, 0.5, 2048, -(2 ** -14), 2 ** -24, 65504])
      expect(fromFloat16Bits(toFloat16Bits(v))).toBe(v);
  });

  it("rounds other values within half-precision error", () => {
    const values = [0.1234, -3.0001, 1e-5, 123.456];
    const back = decodeFloat16(encodeFloat16(values));
    for (const [i, v] of values.entries()) {
      expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 6e-8);
    }
  });

  it("maps overflow to infinity and keeps NaN", () => {
    expect(fromFloat16Bits(toFloat16Bits(1e6))).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN)))).toBe(true);
  });
});
