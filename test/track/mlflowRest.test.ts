import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTracker } from "../../src/track/open.ts";
import { type Tracker, withRun } from "../../src/track/tracker.ts";
import { type FakeMlflow, startFakeMlflow } from "./fakeMlflowServer.ts";
import { tempDir } from "./helpers.ts";

let server: FakeMlflow;
let tracker: Tracker;
beforeEach(async () => {
  server = await startFakeMlflow();
  tracker = await openTracker(server.url);
});
afterEach(async () => {
  await tracker.close();
  await server.close();
});

describe("MLflow REST client", () => {
  it("is chosen for http:// URIs, including from MLFLOW_TRACKING_URI", async () => {
    process.env.MLFLOW_TRACKING_URI = server.url;
    try {
      const t = await openTracker();
      expect(t.uri).toBe(server.url);
      expect(t.constructor.name).toBe("MlflowRestTracker");
    } finally {
      delete process.env.MLFLOW_TRACKING_URI;
    }
  });

  it("logs a full run with documented requests only", async () => {
    const run = await tracker.startRun({ experiment: "imdb", name: "nblr", params: { alpha: 1, maxN: 3 } });
    for (let step = 0; step < 1200; step++) run.logMetric("train/loss", 1 / (step + 1), step);
    run.logMetrics({ accuracy: 0.9, nan_metric: Number.NaN }, 1200);
    run.setTag("dataset.sha256", "cd".repeat(32));
    run.setTags({ a: "1", b: "2" });
    const dir = tempDir();
    writeFileSync(join(dir, "report.json"), '{"ok":true}');
    mkdirSync(join(dir, "plots"));
    writeFileSync(join(dir, "plots", "roc.svg"), "<svg/>");
    await run.logArtifact(join(dir, "report.json"), "eval");
    await run.logArtifact(join(dir, "plots"));
    await run.end("FINISHED");

    expect(server.violations).toEqual([]);
    const paths = server.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain("GET experiments/get-by-name");
    expect(paths).toContain("POST experiments/create");
    expect(paths).toContain("POST runs/create");
    expect(paths).toContain("POST runs/set-tag");
    expect(paths.at(-1)).toBe("POST runs/update");
    // 1202 metrics + 2 params + 2 tags need at least two log-batch calls within the 1000-item limit.
    expect(paths.filter((p) => p === "POST runs/log-batch").length).toBeGreaterThanOrEqual(2);

    const stored = server.runs.get(run.runId)!;
    expect(stored.info.status).toBe("FINISHED");
    expect(stored.metrics.filter((m) => m.key === "train/loss")).toHaveLength(1200);
    expect(stored.metrics.find((m) => m.key === "nan_metric")?.value).toBe("NaN");
    expect(stored.params.get("alpha")).toBe("1");
    expect(stored.tags.get("dataset.sha256")).toBe("cd".repeat(32));
    expect(stored.tags.get("mlflow.runName")).toBe("nblr");
    expect(stored.tags.get("host")).toBeTruthy();
    const expId = stored.info.experiment_id;
    expect(server.artifacts.get(`${expId}/${run.runId}/artifacts/eval/report.json`)?.toString()).toBe(
      '{"ok":true}',
    );
    expect(server.artifacts.get(`${expId}/${run.runId}/artifacts/plots/roc.svg`)?.toString()).toBe("<svg/>");

    const back = (await tracker.getRun(run.runId))!;
    expect(back.info.status).toBe("FINISHED");
    expect(back.metrics["train/loss"].step).toBe(1199);
    expect(Number.isNaN(back.metrics.nan_metric.value)).toBe(true);
    const history = await tracker.getMetricHistory(run.runId, "train/loss");
    expect(history).toHaveLength(1200);
    expect(history[0]).toMatchObject({ step: 0, value: 1 });
    const runs = await tracker.searchRuns({ experimentNames: ["imdb"] });
    expect(runs.map((r) => r.info.runId)).toEqual([run.runId]);
  });

  it("keeps the order of tag writes between batched and single calls", async () => {
    const run = await tracker.startRun({ experiment: "order" });
    run.setTags({ stage: "first" });
    run.setTag("stage", "second");
    await run.end();
    expect(server.runs.get(run.runId)!.tags.get("stage")).toBe("second");
  });

  it("reports a server rejection clearly and still closes the run", async () => {
    const run = await tracker.startRun({ experiment: "x", params: { lr: 1 } });
    await run.flush();
    // The server holds lr=1; a second client-side run object cannot know, so the server rejects it.
    server.runs.get(run.runId)!.params.set("batch", "32");
    run.logParam("batch", 64);
    await expect(run.end()).rejects.toThrow(/rejected POST runs\/log-batch: 400 INVALID_PARAMETER_VALUE/);
    expect(server.runs.get(run.runId)!.info.status).toBe("FINISHED");
  });

  it("withRun marks a failing body FAILED on the server", async () => {
    let id = "";
    await expect(
      withRun(tracker, { experiment: "x" }, async (run) => {
        id = run.runId;
        throw new Error("diverged");
      }),
    ).rejects.toThrow("diverged");
    expect(server.runs.get(id)!.info.status).toBe("FAILED");
    expect(server.runs.get(id)!.tags.get("error")).toBe("diverged");
    expect(server.violations).toEqual([]);
  });

  it("registers models, versions and aliases through the registry API", async () => {
    const run = await tracker.startRun({ experiment: "imdb" });
    await run.end();
    const reg = tracker.registry;
    await reg.createRegisteredModel("imdb-sentiment");
    await reg.createRegisteredModel("imdb-sentiment"); // idempotent (RESOURCE_ALREADY_EXISTS handled)
    const v1 = await reg.createModelVersion({
      name: "imdb-sentiment",
      source: `runs:/${run.runId}/model`,
      runId: run.runId,
      tags: { "val.accuracy": "0.9" },
    });
    expect(v1.version).toBe(1);
    const v2 = await reg.createModelVersion({ name: "imdb-sentiment", source: `runs:/${run.runId}/model` });
    expect(v2.version).toBe(2);
    await reg.setAlias("imdb-sentiment", "production", 1);
    await reg.setAlias("imdb-sentiment", "staging", 2);
    await reg.setModelVersionTag("imdb-sentiment", 2, "note", "candidate");
    expect((await reg.getVersionByAlias("imdb-sentiment", "production"))?.version).toBe(1);
    expect((await reg.getRegisteredModel("imdb-sentiment"))?.aliases).toEqual({ production: 1, staging: 2 });
    expect((await reg.listModelVersions("imdb-sentiment")).map((v) => v.version)).toEqual([1, 2]);
    expect((await reg.getModelVersion("imdb-sentiment", 2))?.tags.note).toBe("candidate");
    await reg.deleteAlias("imdb-sentiment", "staging");
    expect(await reg.getVersionByAlias("imdb-sentiment", "staging")).toBeUndefined();
    expect(await reg.getRegisteredModel("nope")).toBeUndefined();
    expect((await reg.listRegisteredModels()).map((m) => m.name)).toEqual(["imdb-sentiment"]);
    expect(server.violations).toEqual([]);
  });

  it("registers a model file through the artifact proxy and resolves the alias by downloading it", async () => {
    const { tinyModel } = await import("./fixtures.ts");
    const { registerModel, promoteModel, resolveAlias } = await import("../../src/track/modelRegistry.ts");
    const { readFileSync } = await import("node:fs");
    const cache = tempDir("cache-");
    const before = process.env.SENTIMENT_CACHE;
    process.env.SENTIMENT_CACHE = cache;
    try {
      const model = await tinyModel(tempDir());
      const v = await registerModel(tracker, { modelPath: model, name: "remote" });
      expect(v.source).toMatch(/^runs:\/[0-9a-f]{32}\/model\/model.sentiment$/);
      const run = server.runs.get(v.runId!)!;
      expect(
        server.artifacts
          .get(`${run.info.experiment_id}/${v.runId}/artifacts/model/model.sentiment`)
          ?.equals(readFileSync(model)),
      ).toBe(true);
      await promoteModel(tracker, "remote", v.version); // downloads and checks the checksum first
      const resolved = await resolveAlias("remote", "production", server.url);
      expect(resolved.path.startsWith(cache)).toBe(true);
      expect(readFileSync(resolved.path).equals(readFileSync(model))).toBe(true);
      expect(server.violations).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.SENTIMENT_CACHE;
      else process.env.SENTIMENT_CACHE = before;
    }
  });

  it("maps artifact URIs to the proxy path and refuses stores it cannot reach", async () => {
    const { proxiedArtifactRoot } = await import("../../src/track/mlflowRestRun.ts");
    expect(proxiedArtifactRoot("mlflow-artifacts:/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxiedArtifactRoot("mlflow-artifacts://host:5000/1/abc/artifacts/")).toBe("1/abc/artifacts");
    expect(() => proxiedArtifactRoot("s3://bucket/1/abc/artifacts")).toThrow(
      /only artifacts served by the tracking server/,
    );
  });

  it("the stand-in server rejects requests that deviate from the documented API", async () => {
    const { MlflowHttp } = await import("../../src/track/mlflowHttp.ts");
    const http = new MlflowHttp(server.url);
    await expect(
      http.call("POST", "runs/create", { experiment_id: "0", runName: "camelCase" }),
    ).rejects.toThrow(/400/);
    await expect(http.call("GET", "runs/log-batch", { run_id: "x" })).rejects.toThrow(/404/);
    expect(server.violations).toHaveLength(2);
  });

  it("authenticates with MLflow's environment variables", async () => {
    const saved = { ...process.env };
    try {
      process.env.MLFLOW_TRACKING_TOKEN = "tok";
      await (await openTracker(server.url)).listExperiments();
      delete process.env.MLFLOW_TRACKING_TOKEN;
      process.env.MLFLOW_TRACKING_USERNAME = "ann";
      process.env.MLFLOW_TRACKING_PASSWORD = "pw";
      await (await openTracker(server.url)).listExperiments();
    } finally {
      for (const k of ["MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
    expect(server.requests.map((r) => r.authorization)).toEqual([
      "Bearer tok",
      `Basic ${Buffer.from("ann:pw").toString("base64")}`,
    ]);
  });

  it("says clearly when the server cannot be reached", async () => {
    const t = await openTracker("http://127.0.0.1:9");
    await expect(t.startRun({})).rejects.toThrow(
      /cannot reach the MLflow tracking server at http:\/\/127.0.0.1:9/,
    );
  });
});
