import { describe, expect, it } from "vitest";
import {
  labelsFromConfig,
  mapLabels,
  positiveProbability,
  ratingFromProbs,
} from "../../src/models/hf/labels.ts";
import { UserError } from "../../src/util/errors.ts";

describe("id2label -> polarity", () => {
  it("POSITIVE/NEGATIVE in either order", () => {
    expect(mapLabels(["NEGATIVE", "POSITIVE"]).scores).toEqual([0, 1]);
    const reversed = mapLabels(["POSITIVE", "NEGATIVE"]);
    expect(reversed.scores).toEqual([1, 0]);
    expect(positiveProbability([0.9, 0.1], reversed)).toBeCloseTo(0.9);
    expect(reversed.hasRating).toBe(false);
  });

  it("short and neutral names (neg/neu/pos) and SST-5 names", () => {
    expect(mapLabels(["neg", "neu", "pos"]).scores).toEqual([0, 0.5, 1]);
    const sst5 = mapLabels(["very negative", "negative", "neutral", "positive", "very positive"]);
    expect(sst5.scores).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(sst5.scheme).toBe("five-point");
  });

  it("LABEL_0/LABEL_1 follow the negative-first convention and say so", () => {
    const m = mapLabels(["LABEL_0", "LABEL_1"]);
    expect(m.scores).toEqual([0, 1]);
    expect(m.rule).toMatch(/convention/);
    expect(mapLabels(["LABEL_0", "LABEL_1", "LABEL_2"]).scores).toEqual([0, 0.5, 1]);
  });

  it("1-5 stars map to polarity and a 1-10 rating", () => {
    const m = mapLabels(["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]);
    expect(m.hasRating).toBe(true);
    expect(m.scores).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(positiveProbability([0, 0, 0, 0, 1], m)).toBe(1);
    expect(ratingFromProbs([1, 0, 0, 0, 0], m)).toBe(1);
    expect(ratingFromProbs([0, 0, 0, 0, 1], m)).toBe(10);
    expect(ratingFromProbs([0, 0, 1, 0, 0], m)).toBe(5.5);
    expect(mapLabels(["1", "2", "3", "4", "5"]).hasRating).toBe(true);
    expect(mapLabels(["LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3", "LABEL_4"]).hasRating).toBe(true);
  });

  it("bare 0/1 are class numbers, not stars", () => {
    const m = mapLabels(["0", "1"]);
    expect(m.scores).toEqual([0, 1]);
    expect(m.hasRating).toBe(false);
  });

  it("unknown names need labelScores, and the error shows how", () => {
    expect(() => mapLabels(["joy", "anger", "fear"])).toThrow(UserError);
    expect(() => mapLabels(["joy", "anger", "fear"])).toThrow(/labelScores=0,0,1/);
    expect(mapLabels(["joy", "anger"], [1, 0]).scores).toEqual([1, 0]);
    expect(() => mapLabels(["joy", "anger"], [1, 0, 0])).toThrow(/3 values but the checkpoint has 2 classes/);
  });

  it("labelsFromConfig orders by id and rejects gaps", () => {
    expect(labelsFromConfig({ "1": "POSITIVE", "0": "NEGATIVE" })).toEqual(["NEGATIVE", "POSITIVE"]);
    expect(labelsFromConfig(undefined, 2)).toEqual(["LABEL_0", "LABEL_1"]);
    expect(() => labelsFromConfig({ "0": "a", "2": "b" })).toThrow(/0..n-1/);
  });
});
