// The model registry as a source of models for the server (src/serve's ModelSource seam). Ids are
// "<name>@<alias>" (e.g. "imdb-sentiment@production") and "<name>@<version>" (e.g. "imdb-sentiment@3").
// `watch` polls the aliases and reports "<name>@<alias>" when an alias moves to another version, so a
// promotion from another process (CLI, pipeline) hot-swaps a running server without any HTTP call.
import type { SentimentModel } from "../models/model.ts";
import { loadModel } from "../models/registry.ts";
import { describeModelPath, type ModelEntry, type ModelSource } from "../serve/modelSource.ts";
import { DEFAULT_MODEL_NAME, modelVersionPath, PRODUCTION, parseModelRef } from "./modelRegistry.ts";
import { openTracker } from "./open.ts";
import type { ModelVersion, Tracker } from "./tracker.ts";

export interface RegistrySourceOptions {
  trackingUri?: string;
  /** Aliases to watch; default production of the default model. */
  watch?: string[];
  pollMs?: number;
}

export class RegistryModelSource implements ModelSource {
  readonly kind = "registry";
  readonly location: string;
  readonly #tracker: Tracker;
  readonly #watched: string[];
  readonly #pollMs: number;

  private constructor(tracker: Tracker, options: RegistrySourceOptions) {
    this.#tracker = tracker;
    this.location = tracker.uri;
    this.#watched = options.watch ?? [`${DEFAULT_MODEL_NAME}@${PRODUCTION}`];
    this.#pollMs = options.pollMs ?? 2000;
  }

  /** Open the tracking store (default $MLFLOW_TRACKING_URI or ./mlruns). Call close() at shutdown. */
  static async open(options: RegistrySourceOptions = {}): Promise<RegistryModelSource> {
    return new RegistryModelSource(await openTracker(options.trackingUri), options);
  }

  async #entry(id: string, version: ModelVersion): Promise<ModelEntry> {
    try {
      const entry = await describeModelPath(id, await modelVersionPath(this.#tracker, version));
      return entry;
    } catch (err) {
      return {
        id,
        spec: version.source,
        version: null,
        sizeBytes: null,
        modifiedAt: null,
        family: version.tags.family ?? null,
        modelId: version.tags["model.id"] ?? null,
        createdAt: new Date(version.creationTimestamp).toISOString(),
        reportPath: null,
        error: (err as Error).message,
      };
    }
  }

  /** Every alias, then every version, of every registered model. */
  async list(): Promise<ModelEntry[]> {
    const out: ModelEntry[] = [];
    for (const model of await this.#tracker.registry.listRegisteredModels()) {
      const versions = await this.#tracker.registry.listModelVersions(model.name);
      for (const [alias, v] of Object.entries(model.aliases)) {
        const version = versions.find((x) => x.version === v);
        if (version) out.push(await this.#entry(`${model.name}@${alias}`, version));
      }
      for (const v of versions) out.push(await this.#entry(`${model.name}@${v.version}`, v));
    }
    return out;
  }

  async get(id: string): Promise<ModelEntry | undefined> {
    if (!id.includes("@")) return undefined;
    const { name, alias, version } = parseModelRef(id);
    const v =
      version !== undefined
        ? await this.#tracker.registry.getModelVersion(name, version)
        : await this.#tracker.registry.getVersionByAlias(name, alias!);
    return v ? this.#entry(id, v) : undefined;
  }

  load(entry: ModelEntry): Promise<SentimentModel> {
    return loadModel(entry.spec);
  }

  watch(onChange: (id: string) => void): () => void {
    const last = new Map<string, number | undefined>();
    let stopped = false;
    const poll = async () => {
      for (const id of this.#watched) {
        const { name, alias } = parseModelRef(id);
        if (!alias) continue;
        let version: number | undefined;
        try {
          version = (await this.#tracker.registry.getVersionByAlias(name, alias))?.version;
        } catch {
          continue; // store briefly unavailable: try again next tick
        }
        const known = last.has(id);
        const before = last.get(id);
        last.set(id, version);
        if (known && version !== undefined && version !== before && !stopped) onChange(id);
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), this.#pollMs);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  close(): Promise<void> {
    return this.#tracker.close();
  }
}
