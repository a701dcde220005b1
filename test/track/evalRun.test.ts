import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateModel } from "../../src/eval/evaluate.ts";
import { writeReport } from "../../src/eval/report.ts";
import { loadModel } from "../../src/models/registry.ts";
import { trackEvaluation } from "../../src/track/evalRun.ts";
import { openTracker } from "../../src/track/open.ts";
import { syntheticReviews, tinyModel } from "./fixtures.ts";
import { tempDir } from "./helpers.ts";

describe("tracked evaluation", () => {
  it("records params, metrics and the report files of an evaluation", async () => {
    const dir = tempDir();
    const model = await loadModel(await tinyModel(dir));
    const report = await evaluateModel(model, syntheticReviews(80, 9), {
      dataset: { name: "synthetic", split: "test", sha256: "ab".repeat(32) },
      robustness: false,
    });
    const written = await writeReport(report, join(dir, "report"));
    const store = join(dir, "mlruns");
    const runId = await trackEvaluation(report, written, { trackingUri: store });
    const tracker = await openTracker(store);
    try {
      const run = (await tracker.getRun(runId))!;
      expect(run.info.status).toBe("FINISHED");
      expect(run.params).toMatchObject({
        "dataset.name": "synthetic",
        "dataset.split": "test",
        n: "80",
        "model.family": "nblr",
      });
      expect(run.tags["dataset.sha256"]).toBe("ab".repeat(32));
      expect(run.metrics.accuracy.value).toBe(report.metrics.accuracy.value);
      expect(existsSync(join(run.info.artifactUri, "eval/report.html"))).toBe(true);
      expect(existsSync(join(run.info.artifactUri, "eval/report.json"))).toBe(true);
    } finally {
      await tracker.close();
    }
  });
});
