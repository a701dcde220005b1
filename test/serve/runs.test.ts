// /v1/runs: the Experiments API over a real embedded tracking store with runs written through the
// tracker API, as training and evaluation write them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/serve/app.ts";
import { resolveServeConfig } from "../../src/serve/config.ts";
import { openTracker } from "../../src/track/open.ts";
import type { Tracker } from "../../src/track/tracker.ts";
import { bundledModel, type TestApp, testApp } from "./helpers.ts";

let tmp: string;
let tracker: Tracker;
let app: FastifyInstance;
const ids: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "sentiment-serve-runs-"));
  tracker = await openTracker(join(tmp, "mlruns"));
  for (const [C, final] of [
    [0.3, 0.9],
    [1, 0.88],
  ] as const) {
    const run = await tracker.startRun({ experiment: "imdb", params: { C, family: "nblr" } });
    for (let step = 1; step <= 5; step++) run.logMetric("val_accuracy", final - 0.1 / step, step);
    run.logMetric("val_log_loss", 1 - final);
    await run.end();
    ids.push(run.runId);
  }
  const config = resolveServeConfig({ dataDir: join(tmp, "data"), logLevel: "silent" });
  app = await buildApp({ config, initial: await bundledModel(), tracker, logger: false });
});
afterAll(async () => {
  await app.close();
  await tracker.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("/v1/runs", () => {
  it("lists runs newest first with their latest metrics and params", async () => {
    const res = await app.inject({ url: "/v1/runs" });
    expect(res.statusCode).toBe(200);
    const { store, runs } = res.json();
    expect(store).toContain(tmp);
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual([...ids].reverse());
    expect(runs[1]).toMatchObject({ experiment: "imdb", status: "FINISHED", params: { C: "0.3" } });
    expect(runs[1].metrics.val_accuracy).toBeCloseTo(0.88, 10);
    expect((await app.inject({ url: "/v1/runs?experiment=other" })).json().runs).toEqual([]);
  });

  it("shows one run, its metric history and a chart of it", async () => {
    const detail = (await app.inject({ url: `/v1/runs/${ids[0]}` })).json();
    expect(detail.metricPoints).toEqual({ val_accuracy: 5, val_log_loss: 1 });
    const history = (await app.inject({ url: `/v1/runs/${ids[0]}/metrics/val_accuracy` })).json();
    expect(history.points.map((p: { step: number }) => p.step)).toEqual([1, 2, 3, 4, 5]);
    const svg = await app.inject({ url: `/v1/runs/plot?runs=${ids.join(",")}&keys=val_accuracy` });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg[^>]+role="img"/);
    expect(svg.body.match(/<path|<polyline/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it("compares runs: differing params marked, best metric chosen by direction", async () => {
    const cmp = (await app.inject({ url: `/v1/runs/compare?ids=${ids.join(",")}` })).json();
    expect(cmp.params).toContainEqual({ key: "C", values: ["0.3", "1"], differs: true });
    expect(cmp.params).toContainEqual({ key: "family", values: ["nblr", "nblr"], differs: false });
    const loss = cmp.metrics.find((m: { key: string }) => m.key === "val_log_loss");
    expect(loss.best).toBeCloseTo(0.1, 10); // lower is better for losses
    const acc = cmp.metrics.find((m: { key: string }) => m.key === "val_accuracy");
    expect(acc.best).toBeCloseTo(0.88, 10);
  });

  it("answers unknown runs with 404 and bad queries with 400", async () => {
    const unknown = await app.inject({ url: "/v1/runs/ffffffffffff" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe("SA_ERR_SERVE_RUN_NOT_FOUND");
    expect((await app.inject({ url: `/v1/runs/compare?ids=${ids[0]}` })).statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/runs/../etc" })).statusCode).toBeGreaterThanOrEqual(400);
    const tooMany = await app.inject({ url: `/v1/runs/plot?runs=${ids.join(",")}&keys=a,b,c,d,e` });
    expect(tooMany.statusCode).toBe(400);
  });
});

describe("without a tracking store", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it("says how to connect one", async () => {
    const res = await t.app.inject({ url: "/v1/runs" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      code: "SA_ERR_SERVE_TRACKING_OFF",
      message: expect.stringMatching(/--registry/),
    });
  });
});
