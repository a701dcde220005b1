// Which model sources `sentiment serve` uses: the models folder always, plus the model registry
// (src/track) when one is configured or present, so a promoted "imdb-sentiment@production" is served
// by default and a later promotion hot-swaps it.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Tracker } from "../track/tracker.ts";
import { CompositeModelSource } from "./compositeSource.ts";
import type { ServeConfig } from "./config.ts";
import { DirectoryModelSource, type ModelSource } from "./modelSource.ts";

export interface ServeSources {
  source: ModelSource;
  /** The tracking store (runs for the Experiments tab), when a registry is in use. */
  tracker?: Tracker;
  /** The model to start with: config.model, else the registry's production alias when it exists. */
  model: string | undefined;
  /** Tracking URI of the registry in use, or null. */
  registry: string | null;
}

/** The registry's tracking URI for these settings, or null for none. */
export function registryUri(config: ServeConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  const value = config.registry?.trim();
  if (value === "off" || value === "false" || value === "0") return null;
  if (value === "on" || value === "true" || value === "1") return env.MLFLOW_TRACKING_URI || "mlruns";
  if (value) return value;
  if (env.MLFLOW_TRACKING_URI) return env.MLFLOW_TRACKING_URI;
  return existsSync(resolve("mlruns", "mlruns.db")) ? "mlruns" : null;
}

export async function openServeSources(config: ServeConfig): Promise<ServeSources> {
  const directory = new DirectoryModelSource(config.modelsDir);
  const uri = registryUri(config);
  if (!uri) return { source: directory, model: config.model, registry: null };
  // Imported only when used: the tracking code is not needed to serve a file.
  const { RegistryModelSource } = await import("../track/registrySource.ts");
  const { DEFAULT_MODEL_NAME, PRODUCTION } = await import("../track/modelRegistry.ts");
  const watched = config.model?.includes("@") ? config.model : `${DEFAULT_MODEL_NAME}@${PRODUCTION}`;
  const registry = await RegistryModelSource.open({ trackingUri: uri, watch: [watched] });
  let model = config.model;
  if (model === undefined) {
    try {
      if ((await registry.get(watched))?.error === null) model = watched;
    } catch {
      // an unreadable registry must not stop the bundled model from being served
    }
  }
  const { openTracker } = await import("../track/open.ts");
  const tracker = await openTracker(uri);
  return { source: new CompositeModelSource([directory, registry]), tracker, model, registry: uri };
}
