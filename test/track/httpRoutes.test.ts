import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trackingRoutes } from "../../src/track/httpRoutes.ts";
import { openTracker } from "../../src/track/open.ts";
import type { Tracker } from "../../src/track/tracker.ts";
import { tempDir } from "./helpers.ts";

let app: FastifyInstance;
let tracker: Tracker;
const ids: string[] = [];

beforeAll(async () => {
  const dir = tempDir("http-");
  tracker = await openTracker(join(dir, "mlruns"));
  for (const C of [0.1, 1]) {
    const run = await tracker.startRun({ experiment: "imdb", name: `C=${C}`, params: { C } });
    for (let s = 0; s < 4; s++) run.logMetric("train/loss", 1 / (s + 1 + C), s);
    run.logMetric("accuracy", 0.8 + C / 10);
    const report = join(dir, "report.html");
    writeFileSync(report, "<h1>report</h1>");
    await run.logArtifact(report, "eval");
    await run.end();
    ids.push(run.runId);
  }
  app = Fastify();
  await app.register(trackingRoutes, { tracker, prefix: "/v1" });
});
afterAll(async () => {
  await app.close();
  await tracker.close();
});

describe("tracking HTTP routes", () => {
  it("lists experiments and runs, with filters", async () => {
    const exps = await app.inject("/v1/experiments");
    expect(exps.json().experiments.map((e: { name: string }) => e.name)).toEqual(["Default", "imdb"]);
    const runs = await app.inject("/v1/runs?experiment=imdb&limit=10");
    expect(runs.statusCode).toBe(200);
    expect(runs.json().runs.map((r: { runId: string }) => r.runId)).toEqual([...ids].reverse());
    expect((await app.inject("/v1/runs?status=FAILED")).json().runs).toEqual([]);
    const bad = await app.inject("/v1/runs?status=DONE");
    expect(bad.statusCode).toBe(400);
  });

  it("returns run detail, metric curves and comparisons", async () => {
    const detail = (await app.inject(`/v1/runs/${ids[0].slice(0, 8)}`)).json();
    expect(detail).toMatchObject({
      runId: ids[0],
      name: "C=0.1",
      params: { C: "0.1" },
      metricPoints: { "train/loss": 4 },
    });
    expect(detail.artifacts).toEqual(["eval/report.html"]);
    const curve = (await app.inject(`/v1/runs/${ids[0]}/metric-history?key=train/loss`)).json();
    expect(curve.points.map((p: { step: number }) => p.step)).toEqual([0, 1, 2, 3]);
    const cmp = (await app.inject(`/v1/runs/compare?ids=${ids.join(",")}`)).json();
    expect(cmp.params).toEqual([{ key: "C", values: ["0.1", "1"], differs: true }]);
    expect(cmp.metrics.find((m: { key: string }) => m.key === "accuracy").best).toBeCloseTo(0.9);
  });

  it("serves artifact files safely and answers 404 for unknown runs and files", async () => {
    const art = await app.inject(`/v1/runs/${ids[1]}/artifacts/eval/report.html`);
    expect(art.statusCode).toBe(200);
    expect(art.headers["content-type"]).toMatch(/text\/html/);
    expect(art.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(art.body).toBe("<h1>report</h1>");
    expect((await app.inject(`/v1/runs/${ids[1]}/artifacts/eval/nope.json`)).statusCode).toBe(404);
    const traversal = await app.inject(`/v1/runs/${ids[1]}/artifacts/..%2F..%2F..%2Fmlruns.db`);
    expect(traversal.statusCode).toBe(400);
    expect(traversal.json().message).toMatch(/leaves the run's artifact folder/);
    const missing = await app.inject("/v1/runs/ffffffffffff");
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ statusCode: 404, code: "SA_ERR_TRACK_NOT_FOUND" });
    expect((await app.inject("/v1/registered-models")).json()).toEqual({ models: [] });
  });
});
