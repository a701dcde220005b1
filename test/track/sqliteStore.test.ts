import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { embeddedDbPath, openTracker } from "../../src/track/open.ts";
import { SqliteTracker } from "../../src/track/sqliteStore.ts";
import { type Tracker, withRun } from "../../src/track/tracker.ts";
import { runScript, tempDir } from "./helpers.ts";

const open: Tracker[] = [];
async function tracker(dir: string): Promise<Tracker> {
  const t = await openTracker(dir);
  open.push(t);
  return t;
}
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

describe("embedded tracking store", () => {
  it("records params, metrics with steps, tags and artifacts, readable after reopening", async () => {
    const dir = tempDir();
    const t = await tracker(dir);
    const run = await t.startRun({
      experiment: "imdb",
      name: "nblr-1",
      params: { alpha: 0.5, ngrams: [1, 2] },
    });
    run.logMetric("loss", 0.9, 0);
    run.logMetric("loss", 0.5, 1);
    run.logMetric("loss", 0.7, 2);
    run.logMetrics({ "val/accuracy": 0.88, f1: Number.NaN }, 2);
    run.setTag("dataset.sha256", "ab".repeat(32));
    const file = join(dir, "report.json");
    writeFileSync(file, '{"accuracy":0.88}');
    await run.logArtifact(file, "eval");
    const folder = join(dir, "plots");
    mkdirSync(folder);
    writeFileSync(join(folder, "roc.svg"), "<svg/>");
    await run.logArtifact(folder);
    await run.logText("hello", "notes/readme.txt");
    await run.end();
    await t.close();

    const again = await tracker(dir);
    const data = (await again.getRun(run.runId))!;
    expect(data.info.status).toBe("FINISHED");
    expect(data.info.runName).toBe("nblr-1");
    expect(data.info.endTime).toBeGreaterThanOrEqual(data.info.startTime);
    expect(data.params).toMatchObject({ alpha: "0.5", ngrams: "[1,2]" });
    expect(data.tags["mlflow.runName"]).toBe("nblr-1");
    expect(data.tags["dataset.sha256"]).toBe("ab".repeat(32));
    expect(data.tags.host).toBeTruthy();
    expect(data.tags["node.version"]).toBe(process.version);
    // Latest = highest step, as MLflow shows it (not the last logged).
    expect(data.metrics.loss.value).toBe(0.7);
    expect(data.metrics["val/accuracy"]).toMatchObject({ value: 0.88, step: 2 });
    expect(Number.isNaN(data.metrics.f1.value)).toBe(true);
    const history = await again.getMetricHistory(run.runId, "loss");
    expect(history.map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [1, 0.5],
      [2, 0.7],
    ]);
    const art = data.info.artifactUri;
    expect(readFileSync(join(art, "eval/report.json"), "utf8")).toBe('{"accuracy":0.88}');
    expect(readFileSync(join(art, "plots/roc.svg"), "utf8")).toBe("<svg/>");
    expect(readFileSync(join(art, "notes/readme.txt"), "utf8")).toBe("hello");
    expect(art.startsWith(join(dir, "artifacts"))).toBe(true);
    const exps = await again.listExperiments();
    expect(exps.map((e) => e.name)).toEqual(["Default", "imdb"]);
  });

  it("rejects changing a param, bad names and writes after end, with clear messages", async () => {
    const t = await tracker(tempDir());
    const run = await t.startRun({ params: { lr: 0.1 } });
    run.logParam("lr", 0.1); // same value: idempotent
    expect(() => run.logParam("lr", 0.2)).toThrow(/param "lr" .* already "0.1"; params cannot change/);
    expect(() => run.logMetric("bad|name", 1)).toThrow(/metric name "bad\|name" may only contain/);
    expect(() => run.logMetric("../up", 1)).toThrow(/not a clean relative path/);
    expect(() => run.logMetric("x", 1, 1.5)).toThrow(/step must be an integer/);
    await expect(run.logArtifact("/definitely/not/here")).rejects.toThrow(/does not exist/);
    await expect(run.logText("x", "../../escape.txt")).rejects.toThrow(/leaves the run's artifact folder/);
    await run.end();
    expect(() => run.logMetric("x", 1)).toThrow(/has ended/);
  });

  it("withRun marks the run FAILED with the error when the body throws", async () => {
    const t = await tracker(tempDir());
    let id = "";
    await expect(
      withRun(t, { experiment: "e" }, async (run) => {
        id = run.runId;
        run.logMetric("m", 1);
        throw new Error("boom in training");
      }),
    ).rejects.toThrow("boom in training");
    const data = (await t.getRun(id))!;
    expect(data.info.status).toBe("FAILED");
    expect(data.tags.error).toBe("boom in training");
    expect(data.metrics.m.value).toBe(1);
  });

  it("child runs are linked to their parent", async () => {
    const t = await tracker(tempDir());
    const parent = await t.startRun({ experiment: "tune" });
    const child = await t.startRun({ experiment: "tune", parentRunId: parent.runId, name: "trial-0" });
    await child.end();
    await parent.end();
    const kids = await t.searchRuns({ parentRunId: parent.runId });
    expect(kids.map((k) => k.info.runId)).toEqual([child.runId]);
    expect(kids[0].tags["mlflow.parentRunId"]).toBe(parent.runId);
    await expect(t.startRun({ parentRunId: "f".repeat(32) })).rejects.toThrow(/parent run .* does not exist/);
  });

  it("a process killed mid-run leaves other runs intact and its run FAILED on the next open", async () => {
    const dir = tempDir();
    const t = await tracker(dir);
    const done = await t.startRun({ experiment: "crash", name: "finished-before" });
    done.logMetric("acc", 0.8);
    await done.end();
    await t.close();
    const result = await runScript(`
      import { openTracker } from "@src/track/open.ts";
      const t = await openTracker(${JSON.stringify(dir)});
      const run = await t.startRun({ experiment: "crash", name: "killed" });
      run.logMetric("loss", 1.5, 0);
      console.log(run.runId);
      process.kill(process.pid, "SIGKILL");
    `);
    expect(result.signal).toBe("SIGKILL");
    const killedId = result.stdout.trim();
    const after = await tracker(dir);
    const killed = (await after.getRun(killedId))!;
    expect(killed.info.status).toBe("FAILED");
    expect(killed.tags.error).toMatch(/ended without finishing the run/);
    expect(killed.metrics.loss.value).toBe(1.5);
    const intact = (await after.getRun(done.runId))!;
    expect(intact.info.status).toBe("FINISHED");
    expect(intact.metrics.acc.value).toBe(0.8);
  });

  it("treats runs with a stopped heartbeat as dead: after 6 h on this host, 1 h from another host", async () => {
    const t = new SqliteTracker(join(tempDir(), "mlruns.db"));
    open.push(t);
    const live = await t.startRun({ name: "live" });
    const remote = await t.startRun({ name: "remote" });
    t.db.prepare("UPDATE runs SET host = 'elsewhere' WHERE run_id = ?").run(remote.runId);
    const now = Date.now();
    expect(t.recoverCrashedRuns(now + 30 * 60 * 1000)).toEqual([]);
    expect(t.recoverCrashedRuns(now + 2 * 60 * 60 * 1000)).toEqual([remote.runId]);
    expect(t.recoverCrashedRuns(now + 7 * 60 * 60 * 1000)).toEqual([live.runId]);
    expect((await t.getRun(live.runId))!.info.status).toBe("FAILED");
  });

  it("a run left open at process exit is recorded as FAILED", async () => {
    const dir = tempDir();
    const result = await runScript(`
      import { openTracker } from "@src/track/open.ts";
      const t = await openTracker(${JSON.stringify(dir)});
      const run = await t.startRun({ name: "left-open" });
      console.log(run.runId);
      process.exit(7);
    `);
    expect(result.code).toBe(7);
    const t = new SqliteTracker(join(dir, "mlruns.db"));
    open.push(t);
    const row = t.db.prepare("SELECT status FROM runs WHERE run_id = ?").get(result.stdout.trim()) as {
      status: string;
    };
    expect(row.status).toBe("FAILED");
  });

  it("two processes writing the same store at once lose nothing", async () => {
    const dir = tempDir();
    const writer = (name: string) =>
      runScript(`
        import { openTracker } from "@src/track/open.ts";
        const t = await openTracker(${JSON.stringify(dir)});
        const run = await t.startRun({ experiment: "concurrent", name: "${name}" });
        for (let i = 0; i < 300; i++) run.logMetric("x", i, i);
        await run.end();
        await t.close();
      `);
    const results = await Promise.all([writer("a"), writer("b")]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const t = await tracker(dir);
    const runs = await t.searchRuns({ experimentNames: ["concurrent"] });
    expect(runs.map((r) => r.info.runName).sort()).toEqual(["a", "b"]);
    for (const r of runs) {
      expect(r.info.status).toBe("FINISHED");
      expect((await t.getMetricHistory(r.info.runId, "x")).length).toBe(300);
    }
  });

  it("resolves tracking URIs the way MLflow users write them", () => {
    expect(embeddedDbPath("sqlite:////tmp/x/m.db")).toBe("/tmp/x/m.db");
    expect(embeddedDbPath("sqlite:///rel/m.db")).toBe(join(process.cwd(), "rel/m.db"));
    expect(embeddedDbPath("file:///tmp/store")).toBe("/tmp/store/mlruns.db");
    expect(embeddedDbPath("file:./store")).toBe(join(process.cwd(), "store/mlruns.db"));
    expect(embeddedDbPath("mlruns")).toBe(join(process.cwd(), "mlruns/mlruns.db"));
    expect(embeddedDbPath("http://127.0.0.1:5000")).toBeUndefined();
    expect(() => embeddedDbPath("s3://bucket/x")).toThrow(/unsupported tracking URI/);
  });
});
