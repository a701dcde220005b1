// Entry of a trial worker process (forked by pool.ts). Like bin/sentiment.mjs it runs the TypeScript
// sources through tsx's loader, then serves trial tasks over IPC.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
