// `sentiment model info`: named configurations (no libtorch needed) and trained model files.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { family } from "../../src/models/bilstm/family.ts";
import { hasTorch } from "../torch/setup.ts";
import { syntheticReviews } from "./fixtures.ts";

function cli(...args: string[]): string {
  return execFileSync(process.execPath, ["bin/sentiment.mjs", ...args], { encoding: "utf8" });
}

describe("sentiment model info", () => {
  it("prints the reference BiLSTM's architecture and parameter count", () => {
    const info = JSON.parse(cli("model", "info", "--model", "bilstm-reference", "--json"));
    expect(info).toMatchObject({
      name: "bilstm-reference",
      family: "bilstm",
      parameterCount: 3_648_257,
      vocabSize: 10_002,
      embeddingDim: 128,
      hiddenSize: 256,
      numLayers: 2,
      bidirectional: true,
      dropout: 0.5,
      maxLength: 256,
    });
    expect(info.architecture).toMatch(/Linear\(512, 1\)/);
  });

  it("fails with a clear message for an unknown name", () => {
    expect(() => cli("model", "info", "--model", "no-such-model")).toThrow(
      /model not found: no-such-model; named configurations: bilstm-reference/,
    );
  });

  it.skipIf(!hasTorch)("reads a trained model file's metadata", async () => {
    const model = family.create({
      variant: "fast",
      net: { embeddingDim: 8, hiddenSize: 8 },
      text: { minCount: 1 },
      training: { epochs: 1, batchSize: 32, threads: 1 },
    });
    await model.fit({ train: syntheticReviews(64, 1), validation: syntheticReviews(32, 2, "v") });
    const file = join(mkdtempSync(join(tmpdir(), "info-")), "m.sentiment");
    await model.save(file);
    const info = JSON.parse(cli("model", "info", "--model", file, "--json"));
    expect(info).toMatchObject({
      family: "bilstm",
      trained: true,
      hiddenSize: 8,
      parameterCount: model.metadata().parameterCount,
    });
    expect(info.metrics.val_accuracy).toBeTypeOf("number");
  });
});
