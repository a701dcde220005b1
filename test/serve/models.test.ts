// GET /v1/models, POST /v1/models/{id}/activate (hot swap under load), reports and plots.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateModel } from "../../src/eval/evaluate.ts";
import {
  bundledModel,
  DEFAULT_MODEL_PATH,
  NEGATIVE_REVIEW,
  POSITIVE_REVIEW,
  postJson,
  type TestApp,
  testApp,
  trainSmallModel,
} from "./helpers.ts";

let t: TestApp;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sentiment-models-"));
  copyFileSync(DEFAULT_MODEL_PATH, join(dir, "default.sentiment"));
  await trainSmallModel(join(dir, "small.sentiment"));
  // A model file whose payload was damaged after writing: listed with its error, never activated.
  const broken = readFileSync(DEFAULT_MODEL_PATH);
  broken[broken.length - 100] ^= 0xff;
  writeFileSync(join(dir, "broken.sentiment"), broken);
  writeFileSync(join(dir, "notes.txt"), "not a model");
  // A real evaluation report of the bundled model, on a few reviews, where the server looks for it.
  const reviews = [POSITIVE_REVIEW, NEGATIVE_REVIEW, "Loved it.", "Hated it.", "Not good.", "Great fun!"].map(
    (text, i) => ({
      id: String(i),
      text,
      label: (i % 2 === 0 ? 1 : 0) as 0 | 1,
      rating: i % 2 === 0 ? 8 : 3,
    }),
  );
  const report = await evaluateModel((await bundledModel()).model, reviews, {
    dataset: { name: "serve test reviews" },
    robustness: false,
  });
  writeFileSync(join(dir, "default.report.json"), JSON.stringify(report));
  t = await testApp({ modelsDir: dir }, false, { initialFromSource: "default" });
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("models", () => {
  it("lists the model files of the folder with versions, the active one flagged, unreadable ones with the reason", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/models" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.source).toEqual({ kind: "directory", location: dir });
    expect(body.models.map((m: { id: string }) => m.id)).toEqual(["broken", "default", "small"]);
    const [broken, def, small] = body.models;
    expect(broken.error).toMatch(/checksum mismatch/);
    expect(def).toMatchObject({ active: true, family: "nblr", hasReport: true, error: null });
    expect(def.version).toMatch(/^[0-9a-f]{12}$/);
    expect(small).toMatchObject({ active: false, hasReport: false });
    expect(small.version).not.toBe(def.version);
    expect(body.active).toMatchObject({ id: "default", family: "nblr", hasReport: true });
    expect(body.active.metadata.metrics).toBeTypeOf("object");
  });

  it("refuses unknown, path-like and corrupt models, and keeps serving the current one", async () => {
    const unknown = await t.app.inject({ method: "POST", url: "/v1/models/nope/activate" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/available: broken, default, small/);
    const traversal = await t.app.inject({
      method: "POST",
      url: "/v1/models/..%2F..%2Fetc%2Fpasswd/activate",
    });
    expect(traversal.statusCode).toBe(404);
    const broken = await t.app.inject({ method: "POST", url: "/v1/models/broken/activate" });
    expect(broken.statusCode).toBe(422);
    expect(broken.json()).toMatchObject({ code: "SA_ERR_SERVE_MODEL_UNLOADABLE" });
    expect(broken.json().message).toMatch(/still serving the previous one: .*checksum mismatch/);
    const after = await postJson(t.app, "/v1/predict", { text: POSITIVE_REVIEW });
    expect(after.json().model.id).toBe("default");
  });

  it("hot-swaps while requests are in flight: none fails, each is answered by the old or the new model", async () => {
    const before = (await t.app.inject({ method: "GET", url: "/v1/models" })).json().active.version;
    const requests = Array.from({ length: 120 }, (_, i) =>
      postJson(t.app, "/v1/predict", { texts: [`${POSITIVE_REVIEW} ${i}`, "boring and bad"] }),
    );
    const swap = t.app.inject({ method: "POST", url: "/v1/models/small/activate" });
    const more = Array.from({ length: 120 }, (_, i) =>
      postJson(t.app, "/v1/predict", { text: `review ${i} was fine` }),
    );
    const [swapped, ...responses] = await Promise.all([swap, ...requests, ...more]);
    expect(swapped.statusCode).toBe(200);
    expect(swapped.json().active.id).toBe("small");
    expect(swapped.json().previous).toMatchObject({ id: "default", version: before });
    const ids = new Set<string>();
    for (const r of responses) {
      expect(r.statusCode).toBe(200);
      ids.add(r.json().model.id);
    }
    expect([...ids].every((id) => id === "default" || id === "small")).toBe(true);
    const now = await postJson(t.app, "/v1/predict", { text: POSITIVE_REVIEW });
    expect(now.json().model.id).toBe("small");
    const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/sentiment_active_model_info\{id="small",[^}]*\} 1/);
    expect(metrics).not.toMatch(/sentiment_active_model_info\{id="default"/);
    expect(metrics).toMatch(/sentiment_model_swaps_total 1/);
    // And back.
    const back = await t.app.inject({ method: "POST", url: "/v1/models/default/activate" });
    expect(back.json().active.version).toBe(before);
  });

  it("serves the evaluation report, its plots as SVG and the HTML report", async () => {
    const report = await t.app.inject({ method: "GET", url: "/v1/models/default/report" });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({ schemaVersion: 1, metrics: { confusion: expect.any(Object) } });
    for (const name of ["confusion", "roc", "reliability", "histogram"]) {
      const svg = await t.app.inject({ method: "GET", url: `/v1/models/default/plots/${name}` });
      expect(svg.statusCode, name).toBe(200);
      expect(svg.headers["content-type"]).toMatch(/^image\/svg\+xml/);
      expect(svg.body).toMatch(/^<svg[^>]+role="img"/);
    }
    const unknownPlot = await t.app.inject({ method: "GET", url: "/v1/models/default/plots/pie" });
    expect(unknownPlot.statusCode).toBe(400);
    const html = await t.app.inject({ method: "GET", url: "/v1/models/default/report.html" });
    expect(html.statusCode).toBe(200);
    expect(html.body).toMatch(/<html/);
    const none = await t.app.inject({ method: "GET", url: "/v1/models/small/report" });
    expect(none.statusCode).toBe(404);
    expect(none.json().code).toBe("SA_ERR_SERVE_REPORT_NOT_FOUND");
  });
});
