// A Hogwild word2vec thread: receives the shared state once, then trains on each slice of document
// order it is sent and answers "done" (see word2vec-threads.ts).
import { parentPort } from "node:worker_threads";
import { rng } from "../util/random.ts";
import { trainDocuments, type Word2VecState } from "./word2vec-core.ts";

let state: Word2VecState | undefined;
parentPort!.on("message", async (message: { state?: Word2VecState; order?: Uint32Array; seed?: number }) => {
  if (message.state) state = message.state;
  if (message.order && state) {
    await trainDocuments(state, message.order, rng(message.seed ?? 0));
    parentPort!.postMessage("done");
  }
});
