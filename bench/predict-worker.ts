// Worker for the all-cores throughput measurement: loads the model, scores its share of texts.
import { parentPort, workerData } from "node:worker_threads";
import { loadModel } from "../src/models/registry.ts";

const { modelPath, texts, batchSize } = workerData as {
  modelPath: string;
  texts: string[];
  batchSize: number;
};
const model = await loadModel(modelPath);
await model.predictProba(texts.slice(0, batchSize)); // warm-up
parentPort!.postMessage("ready");
parentPort!.once("message", async () => {
  const t = performance.now();
  for (let i = 0; i < texts.length; i += batchSize) await model.predictProba(texts.slice(i, i + batchSize));
  parentPort!.postMessage((performance.now() - t) / 1000);
});
