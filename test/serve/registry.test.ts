// The server with the model registry (src/track) as a second model source: it serves the production
// alias by default, hot-swaps when the alias is promoted from another process, and activates
// "<name>@<alias>" ids as the registry's notifyServer sends them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/serve/app.ts";
import { resolveServeConfig } from "../../src/serve/config.ts";
import { openServeSources, registryUri } from "../../src/serve/sources.ts";
import { promoteModel, registerModel } from "../../src/track/modelRegistry.ts";
import { openTracker } from "../../src/track/open.ts";
import type { Tracker } from "../../src/track/tracker.ts";
import { DEFAULT_MODEL_PATH, POSITIVE_REVIEW, PROJECT_ROOT, postJson, trainSmallModel } from "./helpers.ts";

let tmp: string;
let tracker: Tracker;
let v1: number;
let v2: number;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "sentiment-serve-registry-"));
  tracker = await openTracker(join(tmp, "mlruns"));
  const small = join(tmp, "small.sentiment");
  await trainSmallModel(small);
  v1 = (await registerModel(tracker, { modelPath: DEFAULT_MODEL_PATH })).version;
  v2 = (await registerModel(tracker, { modelPath: small })).version;
  await promoteModel(tracker, "imdb-sentiment", v1);
}, 120_000);
afterAll(async () => {
  await tracker.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("serving from the model registry", () => {
  it("decides when the registry is used", () => {
    const cfg = (registry?: string) =>
      resolveServeConfig({ registry, modelsDir: join(PROJECT_ROOT, "models") });
    expect(registryUri(cfg("off"), { MLFLOW_TRACKING_URI: "x" })).toBeNull();
    expect(registryUri(cfg("sqlite:///a.db"), {})).toBe("sqlite:///a.db");
    expect(registryUri(cfg("on"), {})).toBe("mlruns");
    expect(registryUri(cfg(undefined), { MLFLOW_TRACKING_URI: "http://mlflow:5000" })).toBe(
      "http://mlflow:5000",
    );
  });

  it("serves production by default, hot-swaps on promotion, and activates registry ids", async () => {
    const dataDir = join(tmp, "data");
    const base = resolveServeConfig({ registry: join(tmp, "mlruns"), dataDir, logLevel: "silent" });
    const { source, model } = await openServeSources(base);
    expect(model).toBe("imdb-sentiment@production");
    const app = await buildApp({ config: { ...base, model }, source, logger: false });
    try {
      const first = (await postJson(app, "/v1/predict", { text: POSITIVE_REVIEW })).json();
      expect(first.model.id).toBe("imdb-sentiment@production");
      const list = (await app.inject({ url: "/v1/models" })).json();
      expect(list.source.kind).toBe("directory+registry");
      const ids = list.models.map((m: { id: string }) => m.id);
      expect(ids).toEqual(
        expect.arrayContaining(["default", "imdb-sentiment@production", `imdb-sentiment@${v2}`]),
      );
      expect(list.models.find((m: { id: string }) => m.id === "imdb-sentiment@production").active).toBe(true);

      // Promotion from another process: the source's watch notices and the server swaps by itself.
      await promoteModel(tracker, "imdb-sentiment", v2);
      const deadline = Date.now() + 15_000;
      let now = first;
      while (now.model.version === first.model.version && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        now = (await postJson(app, "/v1/predict", { text: POSITIVE_REVIEW })).json();
      }
      expect(now.model.id).toBe("imdb-sentiment@production");
      expect(now.model.version).not.toBe(first.model.version);

      // What notifyServer sends after a promotion with --server-url.
      const byVersion = await app.inject({
        method: "POST",
        url: `/v1/models/imdb-sentiment%40${v1}/activate`,
      });
      expect(byVersion.statusCode).toBe(200);
      expect(byVersion.json().active.version).toBe(first.model.version);
      const unknown = await app.inject({
        method: "POST",
        url: "/v1/models/imdb-sentiment%40staging/activate",
      });
      expect(unknown.statusCode).toBe(404);
    } finally {
      await app.close();
      await source.close?.();
    }
  });
});
