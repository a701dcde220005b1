// Model registry in the embedded store: registered models, numbered versions linked to a run and a
// model file, and aliases such as "production" and "staging" (MLflow's registry semantics).
import { UserError } from "../util/errors.ts";
import { validateAlias, validateKey, validateModelName, validateTagValue } from "./names.ts";
import type { SqliteTracker } from "./sqliteStore.ts";
import type {
  CreateModelVersionOptions,
  ModelRegistry,
  ModelVersion,
  ModelVersionStage,
  RegisteredModel,
} from "./tracker.ts";

interface ModelRow {
  name: string;
  description: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

interface VersionRow {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string | null;
  run_id: string | null;
  source: string;
  storage_location: string | null;
  status: ModelVersion["status"];
  current_stage: ModelVersionStage;
}

export class SqliteRegistry implements ModelRegistry {
  readonly #store: SqliteTracker;

  constructor(store: SqliteTracker) {
    this.#store = store;
  }

  get #db() {
    return this.#store.db;
  }

  #touch(name: string, now = Date.now()): void {
    this.#db.prepare("UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?").run(now, name);
  }

  #model(row: ModelRow): RegisteredModel {
    const tags = this.#db
      .prepare("SELECT key, value FROM registered_model_tags WHERE name = ?")
      .all(row.name) as {
      key: string;
      value: string;
    }[];
    const aliases = this.#db
      .prepare("SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias")
      .all(row.name) as { alias: string; version: number }[];
    const latest = this.#db
      .prepare("SELECT MAX(version) AS v FROM model_versions WHERE name = ?")
      .get(row.name) as {
      v: number | null;
    };
    return {
      name: row.name,
      description: row.description,
      creationTimestamp: row.creation_timestamp,
      lastUpdatedTimestamp: row.last_updated_timestamp,
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      aliases: Object.fromEntries(aliases.map((a) => [a.alias, a.version])),
      latestVersion: latest.v,
    };
  }

  #version(row: VersionRow): ModelVersion {
    const tags = this.#db
      .prepare("SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?")
      .all(row.name, row.version) as { key: string; value: string }[];
    const aliases = this.#db
      .prepare("SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias")
      .all(row.name, row.version) as { alias: string }[];
    return {
      name: row.name,
      version: row.version,
      creationTimestamp: row.creation_timestamp,
      lastUpdatedTimestamp: row.last_updated_timestamp,
      description: row.description,
      runId: row.run_id,
      source: row.source,
      storageLocation: row.storage_location === null ? null : this.#store.abs(row.storage_location),
      status: row.status,
      currentStage: row.current_stage,
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      aliases: aliases.map((a) => a.alias),
    };
  }

  async createRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    const now = Date.now();
    this.#db
      .prepare(
        "INSERT OR IGNORE INTO registered_models (name, description, creation_timestamp, last_updated_timestamp) VALUES (?, ?, ?, ?)",
      )
      .run(name, description ?? null, now, now);
    return (await this.getRegisteredModel(name))!;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    const row = this.#db.prepare("SELECT * FROM registered_models WHERE name = ?").get(name) as
      | ModelRow
      | undefined;
    return row && this.#model(row);
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    const rows = this.#db.prepare("SELECT * FROM registered_models ORDER BY name").all() as ModelRow[];
    return rows.map((r) => this.#model(r));
  }

  /** Adds version max+1. A storage location under the store root is kept relative (relocatable store). */
  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    await this.createRegisteredModel(options.name);
    if (!options.source) throw new UserError("a model version needs a source (the model's location)");
    const now = Date.now();
    const storage = options.storageLocation ? this.#relative(options.storageLocation) : null;
    const version = this.#db
      .transaction(() => {
        const next =
          ((
            this.#db
              .prepare("SELECT MAX(version) AS v FROM model_versions WHERE name = ?")
              .get(options.name) as {
              v: number | null;
            }
          ).v ?? 0) + 1;
        this.#db
          .prepare(
            `INSERT INTO model_versions (name, version, creation_timestamp, last_updated_timestamp, description, run_id, source, storage_location, status, current_stage)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'READY', 'None')`,
          )
          .run(
            options.name,
            next,
            now,
            now,
            options.description ?? null,
            options.runId ?? null,
            options.source,
            storage,
          );
        for (const [k, v] of Object.entries(options.tags ?? {}))
          this.#putVersionTag(options.name, next, k, v);
        this.#touch(options.name, now);
        return next;
      })
      .immediate();
    return (await this.getModelVersion(options.name, version))!;
  }

  #relative(path: string): string {
    const root = `${this.#store.root}/`;
    return path.startsWith(root) ? path.slice(root.length) : path;
  }

  #putVersionTag(name: string, version: number, key: string, value: string): void {
    validateKey("tag", key);
    validateTagValue(key, value);
    this.#db
      .prepare("INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)")
      .run(name, version, key, value);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const row = this.#db
      .prepare("SELECT * FROM model_versions WHERE name = ? AND version = ?")
      .get(name, version) as VersionRow | undefined;
    return row && this.#version(row);
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const rows = this.#db
      .prepare("SELECT * FROM model_versions WHERE name = ? ORDER BY version")
      .all(name) as VersionRow[];
    return rows.map((r) => this.#version(r));
  }

  async setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    await this.#requireVersion(name, version);
    this.#putVersionTag(name, version, key, value);
  }

  async #requireVersion(name: string, version: number): Promise<void> {
    if (!(await this.getModelVersion(name, version))) {
      throw new UserError(`model "${name}" has no version ${version}`);
    }
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    validateAlias(alias);
    await this.#requireVersion(name, version);
    this.#db
      .transaction(() => {
        this.#db
          .prepare("INSERT OR REPLACE INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?)")
          .run(name, alias, version);
        // Keep MLflow's older stage field in step with the two aliases that mirror stages.
        const stage = alias === "production" ? "Production" : alias === "staging" ? "Staging" : undefined;
        if (stage) {
          this.#db
            .prepare(
              "UPDATE model_versions SET current_stage = 'Archived' WHERE name = ? AND current_stage = ? AND version != ?",
            )
            .run(name, stage, version);
          this.#db
            .prepare(
              "UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE name = ? AND version = ?",
            )
            .run(stage, Date.now(), name, version);
        }
        this.#touch(name);
      })
      .immediate();
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    this.#db.prepare("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?").run(name, alias);
    this.#touch(name);
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    const row = this.#db
      .prepare("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?")
      .get(name, alias) as { version: number } | undefined;
    return row && this.getModelVersion(name, row.version);
  }
}
