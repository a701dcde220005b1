// Worker entry: the product runs TypeScript through tsx's loader (see bin/sentiment.mjs), and a worker
// thread starts without it.
import { register } from "tsx/esm/api";

register();
await import("./word2vec-worker.ts");
