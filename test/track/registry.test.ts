import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { predict } from "../../src/models/model.ts";
import {
  modelCard,
  notifyServer,
  parseModelRef,
  promoteModel,
  registerModel,
  resolveAlias,
} from "../../src/track/modelRegistry.ts";
import { openTracker } from "../../src/track/open.ts";
import { RegistryModelSource } from "../../src/track/registrySource.ts";
import type { Tracker } from "../../src/track/tracker.ts";
import { tinyModel } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

let store: string;
let tracker: Tracker;
let model: string;
beforeEach(async () => {
  store = tempDir("reg-");
  tracker = await openTracker(store);
  model = await tinyModel(tempDir());
});
afterEach(async () => {
  await tracker.close();
});

describe("model registry", () => {
  it("registers versions linked to runs, with the model copied and a model card", async () => {
    const run = await tracker.startRun({
      experiment: "imdb",
      params: { C: 0.3 },
      tags: { "dataset.sha256": "ef".repeat(32) },
    });
    run.logMetric("val_accuracy", 0.91);
    await run.end();
    const v1 = await registerModel(tracker, { modelPath: model, runId: run.runId, description: "first" });
    expect(v1).toMatchObject({
      name: "imdb-sentiment",
      version: 1,
      runId: run.runId,
      status: "READY",
      description: "first",
    });
    expect(v1.source).toBe(`runs:/${run.runId}/model/model.sentiment`);
    expect(readFileSync(v1.storageLocation!).equals(readFileSync(model))).toBe(true);
    expect(v1.tags.family).toBe("nblr");
    // Overwriting the original file does not change the registered version.
    writeFileSync(model, "overwritten");
    expect(readFileSync(v1.storageLocation!).subarray(0, 8).toString()).toBe("SENTMODL");

    const v2 = await registerModel(tracker, { modelPath: v1.storageLocation! });
    expect(v2.version).toBe(2);
    const regRun = (await tracker.getRun(v2.runId!))!;
    expect(regRun.info.status).toBe("FINISHED");
    expect(regRun.params.C).toBeDefined(); // hyperparameters recorded from the model file

    const card = await modelCard(tracker, "imdb-sentiment", 1);
    expect(card).toMatchObject({
      family: "nblr",
      dataSha256: "ef".repeat(32),
      lineage: { runId: run.runId, source: v1.source },
    });
    expect(card.metrics.val_accuracy).toBe(0.91);
  });

  it("refuses corrupt files, failed runs, and promoting a version whose file was damaged", async () => {
    const bad = join(tempDir(), "bad.sentiment");
    writeFileSync(bad, "not a model");
    await expect(registerModel(tracker, { modelPath: bad })).rejects.toThrow(/not a sentiment model file/);
    const truncated = join(tempDir(), "t.sentiment");
    writeFileSync(truncated, readFileSync(model).subarray(0, 200));
    await expect(registerModel(tracker, { modelPath: truncated })).rejects.toThrow(
      /corrupt|checksum|not a sentiment/,
    );
    const failed = await tracker.startRun({});
    await failed.end("FAILED");
    await expect(registerModel(tracker, { modelPath: model, runId: failed.runId })).rejects.toThrow(
      /failed; a model from an unfinished run/,
    );

    const v = await registerModel(tracker, { modelPath: model });
    writeFileSync(v.storageLocation!, readFileSync(v.storageLocation!).subarray(0, 300));
    await expect(promoteModel(tracker, v.name, v.version)).rejects.toThrow(/corrupt|checksum/);
    expect(await tracker.registry.getVersionByAlias(v.name, "production")).toBeUndefined();
  });

  it("promotes with aliases and stages, and resolveAlias gives the server a loadable file", async () => {
    const v1 = await registerModel(tracker, { modelPath: model });
    const v2 = await registerModel(tracker, { modelPath: model });
    const p1 = await promoteModel(tracker, "imdb-sentiment", v1.version);
    expect(p1.previous).toBeNull();
    const p2 = await promoteModel(tracker, "imdb-sentiment", v2.version);
    expect(p2.previous).toBe(1);
    await promoteModel(tracker, "imdb-sentiment", v1.version, { alias: "staging" });
    const versions = await tracker.registry.listModelVersions("imdb-sentiment");
    expect(versions.map((v) => [v.version, v.currentStage, v.aliases])).toEqual([
      [1, "Staging", ["staging"]],
      [2, "Production", ["production"]],
    ]);
    await expect(promoteModel(tracker, "imdb-sentiment", 1, { alias: "latest" })).rejects.toThrow(
      /alias "latest" is invalid/,
    );

    const resolved = await resolveAlias("imdb-sentiment", "production", store);
    expect(resolved.version.version).toBe(2);
    expect(resolved.path).toBe(v2.storageLocation);
    await expect(resolveAlias("imdb-sentiment", "canary", store)).rejects.toThrow(
      /has no alias "canary" \(aliases: production, staging\)/,
    );
    await expect(resolveAlias("other", "production", store)).rejects.toThrow(/no registered model "other"/);
  });

  it("parses model references", () => {
    expect(parseModelRef("m@production")).toEqual({ name: "m", alias: "production" });
    expect(parseModelRef("m@3")).toEqual({ name: "m", version: 3 });
    expect(parseModelRef("m@v3")).toEqual({ name: "m", version: 3 });
    expect(parseModelRef("@staging")).toEqual({ name: "imdb-sentiment", alias: "staging" });
    expect(parseModelRef("m")).toEqual({ name: "m", alias: "production" });
  });

  it("notifies a running server to activate the promoted alias, and survives a server that is down", async () => {
    const seen: { method?: string; url?: string; key?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, key: req.headers["x-api-key"] as string | undefined });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const v = await registerModel(tracker, { modelPath: model });
      const r = await promoteModel(tracker, v.name, v.version, { serverUrl: url, apiKey: "k" });
      expect(r.notified).toMatchObject({ ok: true, status: 200 });
      expect(seen).toEqual([
        { method: "POST", url: "/v1/models/imdb-sentiment%40production/activate", key: "k" },
      ]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const down = await notifyServer("http://127.0.0.1:9", "x@production");
    expect(down.ok).toBe(false);
  });

  it("serves registry models to the server and reports alias moves", async () => {
    const v1 = await registerModel(tracker, { modelPath: model });
    const v2 = await registerModel(tracker, { modelPath: model });
    await promoteModel(tracker, "imdb-sentiment", v1.version);
    const source = await RegistryModelSource.open({ trackingUri: store, pollMs: 30 });
    try {
      const ids = (await source.list()).map((e) => e.id);
      expect(ids).toEqual(["imdb-sentiment@production", "imdb-sentiment@1", "imdb-sentiment@2"]);
      const entry = (await source.get("imdb-sentiment@production"))!;
      expect(entry).toMatchObject({ family: "nblr", spec: v1.storageLocation, error: null });
      expect(await source.get("imdb-sentiment@nope")).toBeUndefined();
      const loaded = await source.load(entry);
      const [p] = await predict(loaded, ["a wonderful superb film"]);
      expect(p.label).toBe("positive");

      const changes: string[] = [];
      const stop = source.watch((id) => changes.push(id));
      await new Promise((r) => setTimeout(r, 100));
      await promoteModel(tracker, "imdb-sentiment", v2.version);
      const deadline = Date.now() + 3000;
      while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      expect(changes).toEqual(["imdb-sentiment@production"]);
      expect((await source.get("imdb-sentiment@production"))!.spec).toBe(v2.storageLocation);
    } finally {
      await source.close();
    }
  });
});
