// Child process for the all-cores throughput measurement (one per core): loads the model, reads
// its share of the test reviews, says "ready", scores them on "go" and reports the seconds taken.
import { readImdb } from "../src/data/imdb.ts";
import { loadModel } from "../src/models/registry.ts";

const [modelPath, dataPath, share, shares, batchArg] = process.argv.slice(2);
const batchSize = Number(batchArg);
const data = await readImdb(dataPath, { splits: ["test"] });
const texts = data.test.filter((_, i) => i % Number(shares) === Number(share)).map((r) => r.text);
const model = await loadModel(modelPath);
await model.predictProba(texts.slice(0, batchSize)); // warm-up
process.send!({ ready: texts.length });
process.once("message", async () => {
  const t = performance.now();
  for (let i = 0; i < texts.length; i += batchSize) await model.predictProba(texts.slice(i, i + batchSize));
  process.send!({ seconds: (performance.now() - t) / 1000 });
  process.disconnect();
});
