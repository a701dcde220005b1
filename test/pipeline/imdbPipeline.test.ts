import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipelineConfig, parsePipelineConfig } from "../../src/pipeline/config.ts";
import { runImdbPipeline } from "../../src/pipeline/imdbPipeline.ts";
import { modelCard } from "../../src/track/modelRegistry.ts";
import { openTracker } from "../../src/track/open.ts";
import { runCli } from "../helpers/cli.ts";
import { syntheticReviews, TINY_NBLR, tinyImdbFolder } from "../track/fixtures.ts";
import { tempDir } from "../track/helpers.ts";

function writeConfig(dir: string, data: string, extra = ""): string {
  const path = join(dir, "pipeline.yaml");
  writeFileSync(
    path,
    `model: tiny
cacheDir: cache
trackingUri: mlruns
ingest: { path: ${JSON.stringify(data)} }
validate: { minReviews: 50 }
split: { holdoutFraction: 0.25 }
train:
  family: nblr
  hyperparameters: ${JSON.stringify(TINY_NBLR)}
${extra}`,
  );
  return path;
}

describe("IMDb pipeline", () => {
  it("runs every step, registers and promotes the first model, then serves unchanged steps from the cache", async () => {
    const dir = tempDir("pipe-");
    const data = tinyImdbFolder(240);
    const config = loadPipelineConfig(writeConfig(dir, data));
    const events: string[] = [];
    const first = await runImdbPipeline(config, {
      onEvent: (e) => e.type !== "log" && events.push(`${e.type}:${e.step}`),
    });
    expect(first.records.map((r) => r.cached)).toEqual(Array(9).fill(false));
    expect(first.decision).toMatchObject({ promote: true, reason: "no tiny@production yet" });
    expect(first.registered).toMatchObject({
      registered: true,
      name: "tiny",
      version: 1,
      alias: "production",
    });

    const tracker = await openTracker(join(dir, "mlruns"));
    try {
      const run = (await tracker.getRun(first.runId))!;
      expect(run.info.status).toBe("FINISHED");
      const lineage = JSON.parse(run.tags["pipeline.lineage"]);
      expect(lineage.map((l: { step: string }) => l.step)).toEqual([
        "ingest",
        "validate",
        "preprocess",
        "split",
        "train",
        "evaluate",
        "compare",
        "register",
        "notify",
      ]);
      expect(lineage[4].inputs).toEqual({ split: first.records[3].key });
      expect(run.metrics["candidate.accuracy"].value).toBeGreaterThan(0.7);
      expect(run.tags["dataset.sha256"]).toMatch(/^[0-9a-f]{64}$/);
      // The training child run is linked to the pipeline run, and the model card carries the lineage.
      const trainRun = (await tracker.getRun(String(first.records[4].summary.runId)))!;
      expect(trainRun.tags["mlflow.parentRunId"]).toBe(first.runId);
      const card = await modelCard(tracker, "tiny", 1);
      expect(card.lineage).toMatchObject({ runId: trainRun.info.runId, pipelineRunId: first.runId });
      expect((card.lineage.pipeline as unknown[]).length).toBe(9);
      expect(card.metrics.val_accuracy).toBeGreaterThan(0.5);
    } finally {
      await tracker.close();
    }

    const second = await runImdbPipeline(config);
    expect(second.records.map((r) => [r.step, r.cached])).toEqual([
      ["ingest", true],
      ["validate", true],
      ["preprocess", true],
      ["split", true],
      ["train", true],
      ["evaluate", true],
      ["compare", false],
      ["register", false],
      ["notify", false],
    ]);
    expect(second.decision).toMatchObject({ promote: false });
    expect(String(second.decision.reason)).toMatch(/already production \(version 1\)/);
    expect(second.registered).toEqual({ registered: false });

    // A different seed trains a different model; it is compared with production on the same holdout.
    const third = await runImdbPipeline(
      loadPipelineConfig(join(dir, "pipeline.yaml"), ["train.seed=5", "compare.margin=0.5"]),
    );
    expect(third.records.filter((r) => !r.cached).map((r) => r.step)).toEqual([
      "train",
      "evaluate",
      "compare",
      "register",
      "notify",
    ]);
    expect(String(third.decision.reason)).toMatch(/does not beat production v1 .* by 0.5/);
    // The production model's holdout metrics are memoised by (model, holdout, evaluation code).
    expect(readdirSync(join(dir, "cache", "production-eval"))).toHaveLength(1);
  });

  it("an interrupted run is KILLED, promotes nothing, and the next run resumes from the completed steps", async () => {
    const dir = tempDir("pipe-");
    const config = loadPipelineConfig(writeConfig(dir, tinyImdbFolder(120)));
    const controller = new AbortController();
    await expect(
      runImdbPipeline(config, {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === "done" && e.step === "split") controller.abort(); // Ctrl-C after the split
        },
      }),
    ).rejects.toThrow(/pipeline step "train" failed: interrupted/);
    const tracker = await openTracker(join(dir, "mlruns"));
    try {
      const [run] = await tracker.searchRuns({ experimentNames: ["pipeline"] });
      expect(run.info.status).toBe("KILLED");
      expect(await tracker.registry.listRegisteredModels()).toEqual([]);
    } finally {
      await tracker.close();
    }
    const resumed = await runImdbPipeline(config);
    expect(resumed.records.filter((r) => r.cached).map((r) => r.step)).toEqual([
      "ingest",
      "validate",
      "preprocess",
      "split",
    ]);
    expect(resumed.registered).toMatchObject({ registered: true, version: 1 });
  });

  it("stops at a failing step with a readable message and promotes nothing", async () => {
    const dir = tempDir("pipe-");
    const res = await runCli([
      "pipeline",
      "run",
      writeConfig(dir, tinyImdbFolder(60), "").replace(/$/, ""),
      "--set",
      "validate.minReviews=500",
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('pipeline step "validate" failed: data validation failed');
    expect(res.stderr).toContain("only 60 labelled reviews; at least 500 are required (validate.minReviews)");
    const tracker = await openTracker(join(dir, "mlruns"));
    try {
      const [run] = await tracker.searchRuns({ experimentNames: ["pipeline"] });
      expect(run.info.status).toBe("FAILED");
      expect(await tracker.registry.listRegisteredModels()).toEqual([]);
    } finally {
      await tracker.close();
    }
  });

  it("CLI: shows cache hits, resumes, and notifies a running server on promotion", async () => {
    const dir = tempDir("pipe-");
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const file = writeConfig(dir, tinyImdbFolder(160), `notify: { url: ${JSON.stringify(url)} }\n`);
      const first = await runCli(["pipeline", "run", file, "--json"]);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout).registered).toMatchObject({ registered: true, version: 1 });
      expect(hits).toEqual(["POST /v1/models/tiny%40production/activate"]);
      const second = await runCli(["pipeline", "run", file]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/\[ingest\] cache hit \([0-9a-f]{12}\), skipped/);
      // (All six cacheable steps hit in CI; in a tree being edited, a changed source file rightly re-runs its step.)
      const cacheHits = (second.stderr.match(/cache hit/g) ?? []).length;
      expect(second.stdout).toContain(`${cacheHits}/9 steps from cache`);
      expect(existsSync(join(dir, "cache", "train"))).toBe(true);
      expect(readFileSync(file, "utf8")).toContain("model: tiny");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("ingests a labelled CSV file as well as the IMDb layout", async () => {
    const dir = tempDir("pipe-");
    const csv = join(dir, "reviews.csv");
    const rows = syntheticReviews(200, 4).map(
      (r) => `"${r.text}",${r.label === 1 ? "positive" : "negative"}`,
    );
    writeFileSync(csv, `review,sentiment\n${rows.join("\n")}\n`);
    const config = loadPipelineConfig(writeConfig(dir, csv));
    const result = await runImdbPipeline(config);
    const ingest = result.records[0].summary;
    expect(ingest).toMatchObject({ reviews: 200, skipped: 0 });
    expect(result.records[1].summary.warnings).toContain(
      "200 reviews have no movie id: they are split one by one",
    );
    expect(result.registered).toMatchObject({ registered: true });
  });

  it("reports configuration mistakes with their path before running anything", () => {
    expect(() => parsePipelineConfig({ train: { seed: "x" } }, "p.yaml")).toThrow(
      /p.yaml is not a valid pipeline configuration:\n {2}train.seed: /,
    );
    expect(() => parsePipelineConfig({ trian: {} }, "p.yaml")).toThrow(/Unrecognized key.*trian/);
    expect(() => loadPipelineConfig("/nope/pipeline.yaml")).toThrow(/pipeline file not found/);
    // The example at the repository root is valid and documents the defaults.
    const example = loadPipelineConfig(join(import.meta.dirname, "../../pipeline.yaml"));
    expect(example).toMatchObject({
      model: "imdb-sentiment",
      compare: { metric: "accuracy", margin: 0.002 },
      notify: {},
    });
  });
});
