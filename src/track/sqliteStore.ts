// The embedded tracking store: one SQLite database (WAL, so several processes can log at once) plus
// an artifact folder, by default ./mlruns/mlruns.db and ./mlruns/artifacts/<experiment>/<run>/artifacts.
// Paths inside the database are relative to the store root, so the folder can be moved or copied.
import { existsSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { UserError } from "../util/errors.ts";
import { copyAtomic, safeArtifactPath } from "./artifacts.ts";
import { validateKey } from "./names.ts";
import { SqliteRegistry } from "./sqliteRegistry.ts";
import { SqliteRun } from "./sqliteRun.ts";
import { migrate } from "./sqliteSchema.ts";
import { currentUser, standardTags } from "./standardTags.ts";
import {
  type ActiveRun,
  type Experiment,
  type MetricPoint,
  MLFLOW_TAGS,
  type RunData,
  type RunInfo,
  type RunStatus,
  type SearchRunsOptions,
  type StartRunOptions,
  type Tracker,
} from "./tracker.ts";

/** A RUNNING run from another machine whose heartbeat is older than this is considered dead. */
const REMOTE_STALE_MS = 60 * 60 * 1000;
/** On this machine a live pid normally means a live writer, unless its heartbeat stopped this long
 *  ago (the pid was reused by an unrelated process). */
const LOCAL_STALE_MS = 6 * 60 * 60 * 1000;

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number | null;
  last_update_time: number | null;
}

interface RunRow {
  run_id: string;
  experiment_id: number;
  name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  user_id: string;
  artifact_uri: string;
  lifecycle_stage: "active" | "deleted";
  pid: number | null;
  host: string | null;
  heartbeat: number | null;
}

interface MetricRow {
  key: string;
  value: number | null;
  is_nan: number;
  timestamp: number;
  step: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

export function metricFromRow(r: MetricRow): MetricPoint {
  return {
    key: r.key,
    value: r.is_nan ? Number.NaN : (r.value as number),
    timestamp: r.timestamp,
    step: r.step,
  };
}

export class SqliteTracker implements Tracker {
  readonly uri: string;
  readonly registry: SqliteRegistry;
  /**
   * @internal shared with runs and the registry. Every write transaction is IMMEDIATE: a deferred
   * one that reads first and then writes gets SQLITE_BUSY at once under WAL when another process
   * committed meanwhile (the busy timeout does not apply), which failed parallel tuning trials.
   */
  readonly db: Database.Database;
  readonly root: string;
  readonly #active = new Set<SqliteRun>();
  readonly #onExit = (): void => this.#failActiveRuns();

  /**
   * Open (creating when missing) the store whose database is `dbPath`; artifacts live in
   * `<dirname(dbPath)>/artifacts`. RUNNING runs whose process has died are marked FAILED here.
   */
  constructor(dbPath: string) {
    const abs = resolve(dbPath);
    this.root = dirname(abs);
    this.uri = `sqlite:///${abs}`;
    try {
      mkdirSync(this.root, { recursive: true });
      this.db = new Database(abs, { timeout: 15_000 });
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL"); // WAL + NORMAL: durable across process crashes, fast commits
      this.db.pragma("foreign_keys = ON");
      migrate(this.db, Date.now());
    } catch (err) {
      throw new UserError(
        `cannot open tracking database ${abs}: ${(err as Error).message} (point MLFLOW_TRACKING_URI at a writable folder, or use --no-track where offered)`,
      );
    }
    this.registry = new SqliteRegistry(this);
    this.recoverCrashedRuns();
    process.on("exit", this.#onExit);
  }

  /** Absolute path of something stored relative to the root. */
  abs(relativePath: string): string {
    return join(this.root, relativePath);
  }

  /** Mark RUNNING runs whose writer is gone as FAILED. Returns the ids it changed. */
  recoverCrashedRuns(now = Date.now()): string[] {
    const me = hostname();
    const rows = this.db
      .prepare("SELECT run_id, pid, host, heartbeat, start_time FROM runs WHERE status = 'RUNNING'")
      .all() as RunRow[];
    const dead = rows.filter((r) => {
      const last = r.heartbeat ?? r.start_time;
      if (r.host === me && r.pid != null) return !pidAlive(r.pid) || last < now - LOCAL_STALE_MS;
      return last < now - REMOTE_STALE_MS;
    });
    const mark = this.db.prepare(
      "UPDATE runs SET status = 'FAILED', end_time = COALESCE(heartbeat, start_time) WHERE run_id = ? AND status = 'RUNNING'",
    );
    const note = this.db.prepare("INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, 'error', ?)");
    this.db
      .transaction(() => {
        for (const r of dead) {
          if (mark.run(r.run_id).changes > 0) {
            note.run(r.run_id, `process ${r.pid ?? "?"} on ${r.host ?? "?"} ended without finishing the run`);
          }
        }
      })
      .immediate();
    return dead.map((r) => r.run_id);
  }

  #failActiveRuns(): void {
    // A process exiting with runs still open (uncaught error, process.exit) records them as FAILED now,
    // synchronously, instead of leaving the next open to find out.
    for (const run of this.#active) run.endSync("FAILED");
  }

  /** @internal */
  forget(run: SqliteRun): void {
    this.#active.delete(run);
  }

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    if (!name.trim()) throw new UserError("experiment name must not be empty");
    const now = Date.now();
    this.db
      .transaction(() => {
        const exists = this.db.prepare("SELECT 1 FROM experiments WHERE name = ?").get(name);
        if (exists) return;
        const id = this.db
          .prepare(
            "INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES (?, '', ?, ?)",
          )
          .run(name, now, now).lastInsertRowid;
        this.db
          .prepare("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?")
          .run(`artifacts/${id}`, id);
      })
      .immediate();
    return (await this.getExperimentByName(name))!;
  }

  #experiment(row: ExperimentRow): Experiment {
    const tags = this.db
      .prepare("SELECT key, value FROM experiment_tags WHERE experiment_id = ?")
      .all(row.experiment_id) as { key: string; value: string }[];
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: this.abs(row.artifact_location),
      lifecycleStage: row.lifecycle_stage,
      creationTime: row.creation_time,
      lastUpdateTime: row.last_update_time,
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    };
  }

  async listExperiments(): Promise<Experiment[]> {
    const rows = this.db.prepare("SELECT * FROM experiments ORDER BY experiment_id").all() as ExperimentRow[];
    return rows.map((r) => this.#experiment(r));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = this.db.prepare("SELECT * FROM experiments WHERE name = ?").get(name) as
      | ExperimentRow
      | undefined;
    return row && this.#experiment(row);
  }

  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    const experiment = await this.getOrCreateExperiment(options.experiment ?? "Default");
    if (options.parentRunId && !(await this.getRun(options.parentRunId))) {
      throw new UserError(`parent run ${options.parentRunId} does not exist in ${this.uri}`);
    }
    const tags = { ...standardTags(), ...(options.tags ?? {}) };
    for (const k of Object.keys(tags)) validateKey("tag", k);
    const run = SqliteRun.create(this, {
      experimentId: experiment.experimentId,
      name: options.name,
      userId: currentUser(),
      parentRunId: options.parentRunId,
    });
    run.setTags(tags);
    if (options.parentRunId) run.setTag(MLFLOW_TAGS.parentRunId, options.parentRunId);
    if (options.params) run.logParams(options.params);
    this.#active.add(run);
    return run;
  }

  #runInfo(r: RunRow): RunInfo {
    return {
      runId: r.run_id,
      experimentId: String(r.experiment_id),
      runName: r.name,
      status: r.status,
      startTime: r.start_time,
      endTime: r.end_time,
      userId: r.user_id,
      artifactUri: this.abs(r.artifact_uri),
      lifecycleStage: r.lifecycle_stage,
    };
  }

  #runData(r: RunRow): RunData {
    const kv = (table: string) =>
      Object.fromEntries(
        (
          this.db.prepare(`SELECT key, value FROM ${table} WHERE run_id = ? ORDER BY key`).all(r.run_id) as {
            key: string;
            value: string;
          }[]
        ).map((x) => [x.key, x.value]),
      );
    // MLflow shows the point with the highest (step, timestamp, value) as a metric's value.
    const latest = this.db
      .prepare(
        `SELECT key, value, is_nan, timestamp, step FROM metrics WHERE run_id = ?
         ORDER BY key, step DESC, timestamp DESC, is_nan ASC, value DESC`,
      )
      .all(r.run_id) as MetricRow[];
    const metrics: Record<string, MetricPoint> = {};
    for (const m of latest) metrics[m.key] ??= metricFromRow(m);
    return { info: this.#runInfo(r), params: kv("params"), tags: kv("tags"), metrics };
  }

  async searchRuns(options: SearchRunsOptions = {}): Promise<RunData[]> {
    const where: string[] = ["r.lifecycle_stage = 'active'"];
    const args: (string | number)[] = [];
    if (options.experimentNames?.length) {
      where.push(`e.name IN (${options.experimentNames.map(() => "?").join(", ")})`);
      args.push(...options.experimentNames);
    }
    if (options.parentRunId) {
      where.push("r.parent_run_id = ?");
      args.push(options.parentRunId);
    }
    if (options.status) {
      where.push("r.status = ?");
      args.push(options.status);
    }
    args.push(options.maxResults ?? 1000);
    const rows = this.db
      .prepare(
        `SELECT r.* FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
         WHERE ${where.join(" AND ")} ORDER BY r.start_time DESC, r.rowid DESC LIMIT ?`,
      )
      .all(...args) as RunRow[];
    return rows.map((r) => this.#runData(r));
  }

  async getRun(runId: string): Promise<RunData | undefined> {
    const row = this.db.prepare("SELECT * FROM runs WHERE run_id = ?").get(runId) as RunRow | undefined;
    return row && this.#runData(row);
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const rows = this.db
      .prepare(
        "SELECT key, value, is_nan, timestamp, step FROM metrics WHERE run_id = ? AND key = ? ORDER BY seq",
      )
      .all(runId, key) as MetricRow[];
    return rows.map(metricFromRow);
  }

  async logRunArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const run = await this.getRun(runId);
    if (!run) throw new UserError(`run ${runId} does not exist in ${this.uri}`);
    if (!existsSync(localPath)) throw new UserError(`cannot log artifact: ${localPath} does not exist`);
    const name = basename(localPath);
    await copyAtomic(
      localPath,
      safeArtifactPath(run.info.artifactUri, artifactPath ? join(artifactPath, name) : name),
    );
  }

  async fetchRunArtifact(runId: string, artifactPath: string): Promise<string> {
    const run = await this.getRun(runId);
    if (!run) throw new UserError(`run ${runId} does not exist in ${this.uri}`);
    const path = safeArtifactPath(run.info.artifactUri, artifactPath);
    if (!existsSync(path)) throw new UserError(`run ${runId} has no artifact "${artifactPath}"`);
    return path;
  }

  async close(): Promise<void> {
    // A run still open when its tracker closes can no longer be written: record it as FAILED.
    this.#failActiveRuns();
    process.off("exit", this.#onExit);
    if (this.db.open) this.db.close();
  }
}
