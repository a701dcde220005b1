import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportMlflowFileStore } from "../../src/track/fileStoreExport.ts";
import { promoteModel, registerModel } from "../../src/track/modelRegistry.ts";
import { openTracker } from "../../src/track/open.ts";
import { pythonFloat } from "../../src/track/pyyaml.ts";
import type { RunData, Tracker } from "../../src/track/tracker.ts";
import { tinyModel } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.push(`${relative(dir, p)}/`);
        walk(p);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function hasPyyaml(): boolean {
  try {
    execFileSync("python3", ["-c", "import yaml"], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI) throw new Error("python3 with PyYAML is required in CI (.ci/install-track.sh)");
    return false;
  }
}

let store: string;
let out: string;
let tracker: Tracker;
let a: RunData;
let b: RunData;
let expId: string;

beforeAll(async () => {
  store = tempDir("store-");
  out = join(tempDir("export-"), "mlruns");
  tracker = await openTracker(store);
  const run = await tracker.startRun({
    experiment: "imdb",
    name: "nblr-a",
    params: { C: 0.3, "ngrams/maxN": 3 },
  });
  run.logMetric("loss", 0.5, 0, 1_700_000_000_000);
  run.logMetric("loss", 0.25, 1, 1_700_000_000_500);
  run.logMetric("val/accuracy", 0.875, 1, 1_700_000_000_600);
  run.logMetric("tiny", 1e-5, 1, 1_700_000_000_700);
  run.logMetric("nan", Number.NaN, 0, 1_700_000_000_800);
  run.setTag("note", "line one\nline two: ünïcode");
  const dir = tempDir();
  writeFileSync(join(dir, "report.json"), "{}");
  await run.logArtifact(join(dir, "report.json"), "eval");
  const modelPath = await tinyModel(dir);
  await run.end();
  const failed = await tracker.startRun({ experiment: "imdb", name: "broken" });
  await failed.end("FAILED");
  const v1 = await registerModel(tracker, { modelPath, runId: run.runId });
  await registerModel(tracker, { modelPath });
  await promoteModel(tracker, v1.name, 1);
  await promoteModel(tracker, v1.name, 2, { alias: "staging" });
  a = (await tracker.getRun(run.runId))!;
  b = (await tracker.getRun(failed.runId))!;
  expId = a.info.experimentId;
});
afterAll(async () => {
  await tracker.close();
});

describe("runs export --mlflow-file-store", () => {
  it("writes MLflow's file-store tree", async () => {
    const summary = await exportMlflowFileStore(tracker, out);
    expect(summary).toMatchObject({ experiments: 3, runs: 3, registeredModels: 1, modelVersions: 2 });
    const files = tree(out);
    const run = `${expId}/${a.info.runId}`;
    for (const f of [
      ".trash/",
      "0/meta.yaml",
      `${expId}/meta.yaml`,
      `${run}/meta.yaml`,
      `${run}/metrics/loss`,
      `${run}/metrics/val/accuracy`,
      `${run}/params/C`,
      `${run}/params/ngrams/maxN`,
      `${run}/tags/mlflow.runName`,
      `${run}/tags/mlflow.source.git.commit`,
      `${run}/artifacts/eval/report.json`,
      `${run}/artifacts/model/model.sentiment`,
      `${expId}/${b.info.runId}/metrics/`,
      `${expId}/${b.info.runId}/params/`,
      `${expId}/${b.info.runId}/artifacts/`,
      "models/imdb-sentiment/meta.yaml",
      "models/imdb-sentiment/aliases/production",
      "models/imdb-sentiment/aliases/staging",
      "models/imdb-sentiment/version-1/meta.yaml",
      "models/imdb-sentiment/version-1/tags/model.id",
      "models/imdb-sentiment/version-2/meta.yaml",
    ]) {
      expect(files, f).toContain(f);
    }
    // No temporary folder is left beside the export.
    expect(readdirSync(join(out, "..")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("writes meta.yaml files byte for byte in MLflow's format", () => {
    const expMeta = readFileSync(join(out, expId, "meta.yaml"), "utf8");
    const e = a.info;
    expect(expMeta).toBe(
      `artifact_location: ${pathToFileURL(join(out, expId)).href}\n` +
        `creation_time: ${expMeta.match(/creation_time: (\d{13})\n/)![1]}\n` +
        `experiment_id: '${expId}'\n` +
        `last_update_time: ${expMeta.match(/last_update_time: (\d+)/)![1]}\n` +
        "lifecycle_stage: active\nname: imdb\n",
    );
    expect(readFileSync(join(out, "0", "meta.yaml"), "utf8")).toMatch(
      /^artifact_location: file:\/\/.*\/0\ncreation_time: \d{13}\nexperiment_id: '0'\nlast_update_time: \d{13}\nlifecycle_stage: active\nname: Default\n$/,
    );
    const runMeta = readFileSync(join(out, expId, e.runId, "meta.yaml"), "utf8");
    const quotedId = /^\d+$/.test(e.runId) ? `'${e.runId}'` : e.runId;
    expect(runMeta).toBe(
      `artifact_uri: ${pathToFileURL(join(out, expId, e.runId, "artifacts")).href}\n` +
        `end_time: ${e.endTime}\n` +
        "entry_point_name: ''\n" +
        `experiment_id: '${expId}'\n` +
        "lifecycle_stage: active\n" +
        `run_id: ${quotedId}\n` +
        "run_name: nblr-a\n" +
        `run_uuid: ${quotedId}\n` +
        "source_name: ''\nsource_type: 4\nsource_version: ''\n" +
        `start_time: ${e.startTime}\n` +
        "status: 3\ntags: []\n" +
        `user_id: ${e.userId}\n`,
    );
    expect(readFileSync(join(out, expId, b.info.runId, "meta.yaml"), "utf8")).toContain("\nstatus: 4\n");
    const v1 = readFileSync(join(out, "models/imdb-sentiment/version-1/meta.yaml"), "utf8");
    expect(v1).toMatch(
      new RegExp(
        "^creation_timestamp: \\d{13}\ncurrent_stage: Production\ndeployment_job_state: null\ndescription: null\n" +
          "last_updated_timestamp: \\d{13}\nmodel_id: null\nname: imdb-sentiment\n" +
          `run_id: ${e.runId}\nrun_link: null\nsource: runs:/${e.runId}/model/model.sentiment\nstatus: READY\n` +
          `status_message: null\nstorage_location: file://.*/${e.runId}/artifacts/model/model.sentiment\n` +
          "user_id: null\nversion: 1\n$",
      ),
    );
    expect(readFileSync(join(out, "models/imdb-sentiment/meta.yaml"), "utf8")).toMatch(
      /^aliases:\n {2}production: '1'\n {2}staging: '2'\ncreation_timestamp: \d{13}\ndeployment_job_id: null\ndeployment_job_state: null\ndescription: null\nlast_updated_timestamp: \d{13}\nname: imdb-sentiment\n$/,
    );
  });

  it("writes metric lines, params, tags and aliases in MLflow's line formats", () => {
    const run = join(out, expId, a.info.runId);
    expect(readFileSync(join(run, "metrics/loss"), "utf8")).toBe(
      "1700000000000 0.5 0\n1700000000500 0.25 1\n",
    );
    expect(readFileSync(join(run, "metrics/val/accuracy"), "utf8")).toBe("1700000000600 0.875 1\n");
    expect(readFileSync(join(run, "metrics/tiny"), "utf8")).toBe("1700000000700 1e-05 1\n");
    expect(readFileSync(join(run, "metrics/nan"), "utf8")).toBe("1700000000800 nan 0\n");
    expect(pythonFloat(0.25)).toBe("0.25");
    expect(readFileSync(join(run, "params/C"), "utf8")).toBe("0.3");
    expect(readFileSync(join(run, "params/ngrams/maxN"), "utf8")).toBe("3");
    expect(readFileSync(join(run, "tags/mlflow.runName"), "utf8")).toBe("nblr-a");
    expect(readFileSync(join(run, "tags/note"), "utf8")).toBe("line one\nline two: ünïcode");
    expect(readFileSync(join(out, "models/imdb-sentiment/aliases/production"), "utf8")).toBe("1");
    expect(
      readFileSync(join(run, "artifacts/model/model.sentiment")).equals(
        readFileSync(join(a.info.artifactUri, "model/model.sentiment")),
      ),
    ).toBe(true);
  });

  it.skipIf(!hasPyyaml())("reads back cleanly under MLflow's reader rules (PyYAML SafeLoader)", () => {
    const json = execFileSync("python3", [
      join(import.meta.dirname, "mlflow_filestore_check.py"),
      out,
    ]).toString();
    const summary = JSON.parse(json);
    const run = summary.experiments[expId].runs[a.info.runId];
    expect(run.status).toBe(3);
    expect(run.name).toBe("nblr-a");
    expect(run.metrics.loss).toEqual({ history: 2, latest: 0.25, step: 1 });
    expect(run.metrics.nan.latest).toBe("nan");
    expect(run.params).toMatchObject({ C: "0.3", "ngrams/maxN": "3" });
    expect(run.artifacts).toContain("model/model.sentiment");
    expect(summary.experiments[expId].runs[b.info.runId].status).toBe(4);
    expect(summary.experiments["0"].name).toBe("Default");
    expect(summary.models["imdb-sentiment"].aliases).toEqual({ production: "1", staging: "2" });
    expect(summary.models["imdb-sentiment"].versions["1"]).toMatchObject({
      run_id: a.info.runId,
      stage: "Production",
    });
    expect(summary.models["imdb-sentiment"].versions["2"].stage).toBe("Staging");
  });

  it("the checker itself rejects what MLflow rejects", () => {
    if (!hasPyyaml()) return;
    const bad = join(tempDir("bad-"), "mlruns");
    mkdirSync(join(bad, "0"), { recursive: true });
    writeFileSync(
      join(bad, "0", "meta.yaml"),
      "artifact_location: x\nexperiment_id: 0\nlifecycle_stage: active\nname: Default\n",
    );
    expect(() =>
      execFileSync("python3", [join(import.meta.dirname, "mlflow_filestore_check.py"), bad], {
        stdio: "pipe",
      }),
    ).toThrow(/experiment_id 0 != folder 0/);
  });

  it("refuses to overwrite an existing folder unless asked, and leaves it untouched", async () => {
    const marker = join(out, "marker.txt");
    writeFileSync(marker, "keep");
    await expect(exportMlflowFileStore(tracker, out)).rejects.toThrow(
      /already exists and is not empty; pass --overwrite/,
    );
    expect(readFileSync(marker, "utf8")).toBe("keep");
    await exportMlflowFileStore(tracker, out, { overwrite: true, experiments: ["imdb"] });
    expect(existsSync(marker)).toBe(false);
    expect(statSync(join(out, expId)).isDirectory()).toBe(true);
    await expect(
      exportMlflowFileStore(tracker, join(tempDir(), "x"), { experiments: ["nope"] }),
    ).rejects.toThrow(/no experiment named "nope"/);
  });
});
