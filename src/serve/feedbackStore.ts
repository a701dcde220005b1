// Durable store of user feedback on predictions ("this review is actually positive"), for retraining.
// One SQLite file (better-sqlite3) in the data directory, in WAL mode so the CLI can export while the
// server writes; synchronous=FULL so an acknowledged feedback survives a power cut.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Label } from "../models/model.ts";
import { UserError } from "../util/errors.ts";

export const FEEDBACK_DB = "feedback.db";

export interface FeedbackInput {
  text: string;
  predicted: Label;
  label: Label;
  modelId?: string | null;
  modelVersion?: string | null;
  confidence?: number | null;
}

export interface FeedbackRow {
  id: number;
  createdAt: string;
  text: string;
  predicted: Label;
  label: Label;
  modelId: string | null;
  modelVersion: string | null;
  confidence: number | null;
}

// Version 1 of the schema; `user_version` records it so later versions can migrate.
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS feedback (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at    TEXT    NOT NULL,
  text          TEXT    NOT NULL CHECK (length(text) > 0),
  predicted     TEXT    NOT NULL CHECK (predicted IN ('negative', 'positive')),
  label         TEXT    NOT NULL CHECK (label IN ('negative', 'positive')),
  model_id      TEXT,
  model_version TEXT,
  confidence    REAL
);
`;

interface DbRow {
  id: number;
  created_at: string;
  text: string;
  predicted: Label;
  label: Label;
  model_id: string | null;
  model_version: string | null;
  confidence: number | null;
}

const toRow = (r: DbRow): FeedbackRow => ({
  id: r.id,
  createdAt: r.created_at,
  text: r.text,
  predicted: r.predicted,
  label: r.label,
  modelId: r.model_id,
  modelVersion: r.model_version,
  confidence: r.confidence,
});

export class FeedbackStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;

  private constructor(
    db: Database.Database,
    readonly path: string,
  ) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO feedback (created_at, text, predicted, label, model_id, model_version, confidence)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Open (creating if needed) the store in `dataDir`. */
  static open(dataDir: string): FeedbackStore {
    const path = join(dataDir, FEEDBACK_DB);
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(path);
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version === 0) {
      db.exec(SCHEMA_V1);
      db.pragma("user_version = 1");
    } else if (version > 1) {
      db.close();
      throw new UserError(
        `${path} has feedback schema version ${version}; this build reads version 1 — upgrade`,
      );
    }
    return new FeedbackStore(db, path);
  }

  add(input: FeedbackInput): { id: number; createdAt: string } {
    const createdAt = new Date().toISOString();
    const info = this.#insert.run(
      createdAt,
      input.text,
      input.predicted,
      input.label,
      input.modelId ?? null,
      input.modelVersion ?? null,
      input.confidence ?? null,
    );
    return { id: Number(info.lastInsertRowid), createdAt };
  }

  count(): { total: number; byLabel: Record<Label, number>; disagreements: number } {
    const rows = this.#db
      .prepare("SELECT label, count(*) AS n, sum(label != predicted) AS wrong FROM feedback GROUP BY label")
      .all() as { label: Label; n: number; wrong: number }[];
    const byLabel: Record<Label, number> = { negative: 0, positive: 0 };
    let disagreements = 0;
    for (const r of rows) {
      byLabel[r.label] = r.n;
      disagreements += r.wrong;
    }
    return { total: byLabel.negative + byLabel.positive, byLabel, disagreements };
  }

  /** Rows in insertion order, streamed from SQLite (constant memory for any table size). */
  *rows(): Generator<FeedbackRow> {
    const stmt = this.#db.prepare("SELECT * FROM feedback ORDER BY id");
    for (const r of stmt.iterate() as IterableIterator<DbRow>) yield toRow(r);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
