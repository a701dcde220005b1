// Tables of the embedded tracking store. Same entities as MLflow's SQL store, fewer columns. Bump
// SCHEMA_VERSION and add a step to `migrate` when a table changes; never edit a released step.
import type Database from "better-sqlite3";

export const SCHEMA_VERSION = 1;

const V1 = `
CREATE TABLE experiments (
  experiment_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL,          -- relative to the store root
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER,
  last_update_time INTEGER
);
CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
  key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  user_id TEXT NOT NULL,
  artifact_uri TEXT NOT NULL,               -- relative to the store root
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  parent_run_id TEXT,
  -- Liveness of the writer, so a crashed process's run can be marked FAILED on the next open.
  pid INTEGER, host TEXT, heartbeat INTEGER
);
CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
CREATE INDEX runs_by_status ON runs(status);
CREATE TABLE params (
  run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE tags (
  run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
-- Every logged point, in logging order (seq). SQLite stores NaN as NULL, hence is_nan (as MLflow's SQL store).
CREATE TABLE metrics (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  key TEXT NOT NULL, value REAL, is_nan INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL, step INTEGER NOT NULL
);
CREATE INDEX metrics_by_run_key ON metrics(run_id, key);
CREATE TABLE registered_models (
  name TEXT PRIMARY KEY,
  description TEXT,
  creation_timestamp INTEGER NOT NULL,
  last_updated_timestamp INTEGER NOT NULL
);
CREATE TABLE registered_model_tags (
  name TEXT NOT NULL REFERENCES registered_models(name), key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, key)
);
CREATE TABLE model_versions (
  name TEXT NOT NULL REFERENCES registered_models(name),
  version INTEGER NOT NULL,
  creation_timestamp INTEGER NOT NULL,
  last_updated_timestamp INTEGER NOT NULL,
  description TEXT,
  run_id TEXT,
  source TEXT NOT NULL,
  storage_location TEXT,
  status TEXT NOT NULL DEFAULT 'READY',
  current_stage TEXT NOT NULL DEFAULT 'None',
  user_id TEXT,
  PRIMARY KEY (name, version)
);
CREATE TABLE model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, version, key)
);
CREATE TABLE registered_model_aliases (
  name TEXT NOT NULL REFERENCES registered_models(name), alias TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (name, alias)
);
`;

/** Create or upgrade the tables. Runs inside one immediate transaction, so concurrent openers serialise. */
export function migrate(db: Database.Database, now: number): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `tracking database schema version ${version} is newer than this build supports (${SCHEMA_VERSION}); upgrade the software`,
      );
    }
    if (version < 1) {
      db.exec(V1);
      db.prepare(
        "INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', 'artifacts/0', ?, ?)",
      ).run(now, now);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
