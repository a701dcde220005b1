// CI quality gate: train the default preset from the IMDb archive, evaluate on the test split, and
// fail (exit 1) when test accuracy falls below the floor. Catches regressions anywhere on the path
// from raw archive to prediction — reader, preprocessing, features, solver, calibration.
import { readImdb } from "../src/data/imdb.ts";
import { resolveDataPath } from "../src/data/paths.ts";
import { evaluateModel, summaryMetrics } from "../src/eval/evaluate.ts";
import { trainModel } from "../src/train/train.ts";

const FLOOR = Number(process.env.ACCURACY_FLOOR ?? 0.915);
const dataPath = resolveDataPath();
const started = performance.now();
const { model, seconds } = await trainModel({ preset: "default", dataPath });
const test = await readImdb(dataPath, { splits: ["test"] });
const report = await evaluateModel(model, test.test, {
  dataset: { name: "IMDb test", path: dataPath, split: "test", sha256: test.sha256 },
  robustness: false,
});
const { accuracy, ece } = summaryMetrics(report) as { accuracy: number; ece: number };
const total = (performance.now() - started) / 1000;
const verdict = accuracy >= FLOOR ? "PASS" : "FAIL";
console.log(
  `accuracy gate ${verdict}: test accuracy ${(100 * accuracy).toFixed(2)}% (floor ${(100 * FLOOR).toFixed(1)}%), ECE ${ece.toFixed(4)}, train ${seconds.toFixed(1)} s, total ${total.toFixed(1)} s`,
);
process.exitCode = accuracy >= FLOOR ? 0 : 1;
