// Child process of bench/core.ts: train one preset and report time, peak RSS and fit metrics as JSON.
import { statSync } from "node:fs";
import { trainModel } from "../src/train/train.ts";

const [preset, dataPath, out] = process.argv.slice(2);
const started = performance.now();
const result = await trainModel({ preset, dataPath });
const seconds = (performance.now() - started) / 1000;
await result.model.save(out);
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  JSON.stringify({ seconds, maxRssMB, metrics: { ...result.metrics, model_bytes: statSync(out).size } }),
);
