// Where the server finds models it may serve. `ModelSource` is the seam between the server and model
// storage: `DirectoryModelSource` lists model files in a folder (the default, SENTIMENT_MODELS_DIR); the
// model registry (src/track) can provide another implementation that lists registered versions and
// aliases ("sentiment@production") and calls `watch` listeners when an alias moves.
import { existsSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { ModelMetadata, SentimentModel } from "../models/model.ts";
import { isModelFile, readModelMetadata } from "../models/modelFile.ts";
import { loadModel } from "../models/registry.ts";

export interface ModelEntry {
  /** Stable id used in URLs (`/v1/models/{id}/activate`): the file name without extension here. */
  id: string;
  /** What `loadModel` is given. */
  spec: string;
  /** Short content version: the first 12 hex digits of the model file's sha256 trailer. */
  version: string | null;
  sizeBytes: number | null;
  modifiedAt: string | null;
  /** Metadata summary when readable without loading the weights. */
  family: string | null;
  modelId: string | null;
  createdAt: string | null;
  /** Evaluation report beside the model (`<id>.report.json`), when there is one. */
  reportPath: string | null;
  /** Why the entry cannot be loaded (corrupt or foreign file); listed so the user sees it. */
  error: string | null;
}

export interface ModelSource {
  /** Shown in GET /v1/models, e.g. "directory". */
  readonly kind: string;
  /** Where the models come from (a folder, a tracking URI). */
  readonly location: string;
  list(): Promise<ModelEntry[]>;
  /** The entry for an id, or undefined when the source has none. */
  get(id: string): Promise<ModelEntry | undefined>;
  load(entry: ModelEntry): Promise<SentimentModel>;
  /** Optional push: the source asks the server to serve another model (e.g. an alias was promoted). Returns "stop". */
  watch?(onChange: (id: string) => void): () => void;
  /** Release connections (a tracking store). The app does not call it: whoever opened the source does. */
  close?(): Promise<void>;
}

const MODEL_EXTENSION = ".sentiment";

/** Version string of a model file: its sha256 trailer, which the container verifies on load. */
async function fileVersion(path: string, size: number): Promise<string | null> {
  if (size < 48) return null;
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(32);
    await fh.read(buf, 0, 32, size - 32);
    return buf.toString("hex").slice(0, 12);
  } finally {
    await fh.close();
  }
}

/** Describe one model path (a container file or a Hugging Face folder) without loading its weights. */
export async function describeModelPath(id: string, path: string): Promise<ModelEntry> {
  const entry: ModelEntry = {
    id,
    spec: path,
    version: null,
    sizeBytes: null,
    modifiedAt: null,
    family: null,
    modelId: null,
    createdAt: null,
    reportPath: null,
    error: null,
  };
  const report = join(path, "..", `${id}.report.json`);
  if (existsSync(report)) entry.reportPath = report;
  try {
    const st = await stat(path);
    entry.modifiedAt = st.mtime.toISOString();
    if (st.isDirectory()) {
      entry.family = existsSync(join(path, "config.json")) ? "hf" : null;
      return entry;
    }
    entry.sizeBytes = st.size;
    entry.version = await fileVersion(path, st.size);
    const meta: ModelMetadata = readModelMetadata(path);
    entry.family = meta.family;
    entry.modelId = meta.id;
    entry.createdAt = meta.createdAt;
  } catch (err) {
    entry.error = (err as Error).message;
  }
  return entry;
}

/** Models in one folder: `*.sentiment` container files and Hugging Face folders (with config.json). */
export class DirectoryModelSource implements ModelSource {
  readonly kind = "directory";
  // Reading metadata verifies the whole file's checksum, so cache it per (path, size, mtime).
  readonly #cache = new Map<string, { key: string; entry: ModelEntry }>();

  constructor(readonly location: string) {}

  async list(): Promise<ModelEntry[]> {
    if (!existsSync(this.location)) return [];
    const names = (await readdir(this.location, { withFileTypes: true }))
      .filter((d) =>
        d.isDirectory()
          ? existsSync(join(this.location, d.name, "config.json"))
          : d.name.endsWith(MODEL_EXTENSION) && isModelFile(join(this.location, d.name)),
      )
      .map((d) => d.name)
      .sort();
    return Promise.all(names.map((name) => this.#describe(name)));
  }

  async get(id: string): Promise<ModelEntry | undefined> {
    // Ids are plain names: anything path-like cannot refer to a file of this folder.
    if (!/^[\w.-]+$/.test(id) || id.startsWith(".")) return undefined;
    for (const name of [`${id}${MODEL_EXTENSION}`, id]) {
      const path = join(this.location, name);
      if (!existsSync(path)) continue;
      const st = await stat(path);
      if (st.isFile() && !name.endsWith(MODEL_EXTENSION)) continue;
      return this.#describe(name);
    }
    return undefined;
  }

  load(entry: ModelEntry): Promise<SentimentModel> {
    return loadModel(entry.spec);
  }

  async #describe(name: string): Promise<ModelEntry> {
    const path = join(this.location, name);
    const st = await stat(path);
    const key = `${st.size}:${st.mtimeMs}`;
    const hit = this.#cache.get(path);
    if (hit && hit.key === key) return hit.entry;
    const id = name.endsWith(MODEL_EXTENSION) ? basename(name, extname(name)) : name;
    const entry = await describeModelPath(id, path);
    this.#cache.set(path, { key, entry });
    return entry;
  }
}
