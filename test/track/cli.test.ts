import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openTracker } from "../../src/track/open.ts";
import { runCli } from "../helpers/cli.ts";
import { tinyModel } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

let store: string;
let ids: string[] = [];
let modelPath: string;

beforeAll(async () => {
  store = join(tempDir("cli-"), "mlruns");
  const t = await openTracker(store);
  for (const [i, C] of [0.1, 1].entries()) {
    const r = await t.startRun({ experiment: "imdb", name: `nblr-${i}`, params: { C, maxN: 2 } });
    for (let s = 0; s < 3; s++) r.logMetric("loss", 1 / (s + 1 + i), s);
    r.logMetrics({ "val.accuracy": 0.8 + i * 0.05 }, 3);
    await r.end();
    ids.push(r.runId);
  }
  ids = ids.reverse(); // newest first, as listed
  await t.close();
  modelPath = await tinyModel(tempDir());
});

describe("sentiment runs / models CLI", () => {
  it("lists, shows and compares runs", async () => {
    const env = { MLFLOW_TRACKING_URI: store };
    const list = await runCli(["runs", "list", "--json"], { env });
    expect(list.code, list.stderr).toBe(0);
    const runs = JSON.parse(list.stdout);
    expect(runs.map((r: { runId: string }) => r.runId)).toEqual(ids);
    expect(runs[0]).toMatchObject({
      name: "nblr-1",
      experiment: "imdb",
      status: "FINISHED",
      params: { C: "1" },
    });

    const table = await runCli(["runs", "list", "--tracking-uri", store]);
    expect(table.stdout).toMatch(/run\s+name\s+experiment\s+status/);
    expect(table.stdout).toContain(ids[0].slice(0, 8));

    const show = await runCli(["runs", "show", ids[1].slice(0, 8)], { env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`run ${ids[1]}  nblr-0  [FINISHED]`);
    expect(show.stdout).toMatch(/loss: 0\.3333 {2}\(3 points\)/);

    const cmp = await runCli(["runs", "compare", ids[0], ids[1], "--json"], { env });
    const c = JSON.parse(cmp.stdout);
    expect(c.params).toContainEqual({ key: "C", values: ["1", "0.1"], differs: true });
    expect(c.metrics.find((m: { key: string }) => m.key === "val.accuracy").best).toBeCloseTo(0.85, 12);
    expect(c.metrics.find((m: { key: string }) => m.key === "loss").best).toBeCloseTo(0.25);

    const missing = await runCli(["runs", "show", "nope-nope"], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run "nope-nope"/);
  });

  it("registers, promotes and lists models, and exports the store", async () => {
    const env = { MLFLOW_TRACKING_URI: store };
    const reg = await runCli(["models", "register", modelPath, "--run", ids[0]], { env });
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.stdout).toContain(`registered imdb-sentiment version 1 from run ${ids[0]}`);
    const promote = await runCli(["models", "promote", "1"], { env });
    expect(promote.stdout).toContain("imdb-sentiment@production -> version 1");
    const list = await runCli(["models", "list", "imdb-sentiment", "--json"], { env });
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ version: 1, aliases: ["production"], runId: ids[0] });
    const card = await runCli(["models", "show", "@production"], { env });
    expect(JSON.parse(card.stdout)).toMatchObject({
      name: "imdb-sentiment",
      version: 1,
      family: "nblr",
      lineage: { runId: ids[0] },
    });
    const bad = await runCli(["models", "promote", "7"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no version 7 \(latest: 1\)/);

    const out = join(tempDir(), "exported");
    const exp = await runCli(["runs", "export", "--mlflow-file-store", out, "--json"], { env });
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout)).toMatchObject({ runs: 2, registeredModels: 1, modelVersions: 1 });
    expect(existsSync(join(out, "models/imdb-sentiment/aliases/production"))).toBe(true);
  });
});
