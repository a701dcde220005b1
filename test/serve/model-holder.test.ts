// Hot swaps free the retired model's native resources, but never under a request still using it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SentimentModel } from "../../src/models/model.ts";
import { resolveServeConfig } from "../../src/serve/config.ts";
import { loadAndCheck, ModelHolder } from "../../src/serve/modelHolder.ts";
import { DirectoryModelSource, type ModelEntry } from "../../src/serve/modelSource.ts";
import { PROJECT_ROOT } from "./helpers.ts";

/** The bundled model, loaded for real, with `dispose` recorded. */
async function loadRecorded(source: DirectoryModelSource, entry: ModelEntry, log: string[], name: string) {
  const active = await loadAndCheck(source, entry);
  const model: SentimentModel = active.model;
  model.dispose = () => {
    log.push(`dispose ${name}`);
  };
  return active;
}

describe("ModelHolder", () => {
  it("disposes a swapped-out model after its last in-flight request, and at once when idle", async () => {
    const config = resolveServeConfig({ modelsDir: join(PROJECT_ROOT, "models") });
    const source = new DirectoryModelSource(config.modelsDir);
    const [entry] = await source.list();
    const log: string[] = [];
    const first = await loadRecorded(source, entry, log, "first");
    const holder = new ModelHolder(first);

    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const inFlight = holder.use(async (active) => {
      await gate;
      log.push("request done");
      return active.model.predictProba(["a fine film"]);
    });
    const secondSource = {
      ...source,
      load: async () => (await loadRecorded(source, entry, log, "second")).model,
    };
    await holder.swap(secondSource as unknown as DirectoryModelSource, entry);
    expect(log).toEqual([]); // the first model is still serving a request
    release();
    const [p] = await inFlight;
    expect(p).toBeGreaterThan(0);
    expect(log).toEqual(["request done", "dispose first"]);

    await holder.swap(source, entry); // nothing in flight: the second model goes at once
    expect(log).toEqual(["request done", "dispose first", "dispose second"]);
  });
});
