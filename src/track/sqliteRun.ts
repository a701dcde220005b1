// One run being written to the embedded store. Every call is a small synchronous SQLite transaction,
// so a crash loses at most the call in flight; a heartbeat lets the next opener tell a live run from
// a crashed one.
import { existsSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../util/atomic.ts";
import { UserError } from "../util/errors.ts";
import { copyAtomic, safeArtifactPath } from "./artifacts.ts";
import { newRunId, validateKey, validateMetric, validateParamValue, validateTagValue } from "./names.ts";
import type { SqliteTracker } from "./sqliteStore.ts";
import { type ActiveRun, MLFLOW_TAGS, paramToString, type RunStatus } from "./tracker.ts";

const HEARTBEAT_MS = 30_000;

export interface NewRun {
  experimentId: string;
  name?: string;
  userId: string;
  parentRunId?: string;
}

export class SqliteRun implements ActiveRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly artifactUri: string;
  readonly #store: SqliteTracker;
  #ended = false;
  readonly #timer: NodeJS.Timeout;

  private constructor(store: SqliteTracker, runId: string, experimentId: string, artifactUri: string) {
    this.#store = store;
    this.runId = runId;
    this.experimentId = experimentId;
    this.artifactUri = artifactUri;
    this.#timer = setInterval(() => this.#beat(), HEARTBEAT_MS);
    this.#timer.unref(); // never keeps the process alive
  }

  static create(store: SqliteTracker, opts: NewRun): SqliteRun {
    const runId = newRunId();
    const now = Date.now();
    const name = opts.name ?? `run-${runId.slice(0, 8)}`;
    const artifactRel = `artifacts/${opts.experimentId}/${runId}/artifacts`;
    store.db
      .prepare(
        `INSERT INTO runs (run_id, experiment_id, name, status, start_time, user_id, artifact_uri, parent_run_id, pid, host, heartbeat)
         VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        Number(opts.experimentId),
        name,
        now,
        opts.userId,
        artifactRel,
        opts.parentRunId ?? null,
        process.pid,
        hostname(),
        now,
      );
    const run = new SqliteRun(store, runId, opts.experimentId, store.abs(artifactRel));
    run.setTag(MLFLOW_TAGS.runName, name);
    return run;
  }

  #lastBeat = Date.now();

  #beat(): void {
    if (this.#ended || !this.#store.db.open) return;
    this.#lastBeat = Date.now();
    this.#store.db.prepare("UPDATE runs SET heartbeat = ? WHERE run_id = ?").run(this.#lastBeat, this.runId);
  }

  /** Heartbeat from write calls too: the timer cannot fire while a long synchronous computation runs. */
  #beatIfDue(): void {
    if (Date.now() - this.#lastBeat >= HEARTBEAT_MS) this.#beat();
  }

  #requireOpen(): void {
    if (this.#ended) throw new UserError(`run ${this.runId} has ended; it cannot be written any more`);
  }

  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    this.#requireOpen();
    validateMetric(key, value, step, timestamp);
    const nan = Number.isNaN(value);
    this.#store.db
      .prepare("INSERT INTO metrics (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)")
      .run(this.runId, key, nan ? null : value, nan ? 1 : 0, timestamp, step);
    this.#beatIfDue();
  }

  logMetrics(metrics: Record<string, number>, step = 0): void {
    const timestamp = Date.now();
    this.#store.db
      .transaction(() => {
        for (const [k, v] of Object.entries(metrics)) this.logMetric(k, v, step, timestamp);
      })
      .immediate();
  }

  logParam(key: string, value: unknown): void {
    this.logParams({ [key]: value });
  }

  logParams(params: Record<string, unknown>): void {
    this.#requireOpen();
    const get = this.#store.db.prepare("SELECT value FROM params WHERE run_id = ? AND key = ?");
    const put = this.#store.db.prepare("INSERT OR IGNORE INTO params (run_id, key, value) VALUES (?, ?, ?)");
    this.#store.db
      .transaction(() => {
        for (const [key, raw] of Object.entries(params)) {
          validateKey("param", key);
          const value = paramToString(raw);
          validateParamValue(key, value);
          const existing = get.get(this.runId, key) as { value: string } | undefined;
          if (existing && existing.value !== value) {
            throw new UserError(
              `param "${key}" of run ${this.runId} is already "${existing.value}"; params cannot change (tried "${value}")`,
            );
          }
          put.run(this.runId, key, value);
        }
      })
      .immediate();
  }

  setTag(key: string, value: string): void {
    this.setTags({ [key]: value });
  }

  setTags(tags: Record<string, string>): void {
    this.#requireOpen();
    const put = this.#store.db.prepare("INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)");
    this.#store.db
      .transaction(() => {
        for (const [key, value] of Object.entries(tags)) {
          validateKey("tag", key);
          validateTagValue(key, value);
          put.run(this.runId, key, value);
          if (key === MLFLOW_TAGS.runName) {
            this.#store.db.prepare("UPDATE runs SET name = ? WHERE run_id = ?").run(value, this.runId);
          }
        }
      })
      .immediate();
  }

  localArtifactPath(artifactPath?: string): string {
    return artifactPath ? safeArtifactPath(this.artifactUri, artifactPath) : this.artifactUri;
  }

  /** A file lands at `<artifactPath>/<its name>`; a folder's contents at `<artifactPath ?? its name>/`. */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.#requireOpen();
    if (!existsSync(localPath)) throw new UserError(`cannot log artifact: ${localPath} does not exist`);
    const isDir = statSync(localPath).isDirectory();
    const rel = isDir ? (artifactPath ?? basename(localPath)) : join(artifactPath ?? "", basename(localPath));
    await copyAtomic(localPath, safeArtifactPath(this.artifactUri, rel));
    this.#beat();
  }

  async logText(text: string, artifactFile: string): Promise<void> {
    this.#requireOpen();
    await writeFileAtomic(safeArtifactPath(this.artifactUri, artifactFile), text);
  }

  async flush(): Promise<void> {
    // Every call already committed.
  }

  async end(status: Exclude<RunStatus, "RUNNING" | "SCHEDULED"> = "FINISHED"): Promise<void> {
    this.endSync(status);
  }

  /** @internal also used from the process 'exit' handler, where nothing async can run. */
  endSync(status: Exclude<RunStatus, "RUNNING" | "SCHEDULED">): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#store.forget(this);
    if (!this.#store.db.open) return;
    this.#store.db
      .prepare("UPDATE runs SET status = ?, end_time = ?, heartbeat = ? WHERE run_id = ?")
      .run(status, Date.now(), Date.now(), this.runId);
  }
}
