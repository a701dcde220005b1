// `sentiment feedback export|stats`: the feedback users gave in the web UI or through POST /v1/feedback,
// exported as CSV or JSON Lines with `text` and `label` columns that `sentiment train` reads back.

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Writable } from "node:stream";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { FEEDBACK_DB, type FeedbackRow, FeedbackStore } from "../../serve/feedbackStore.ts";
import { UserError } from "../../util/errors.ts";

/** Export columns: the first two are what training needs; the rest keep provenance. */
export const EXPORT_COLUMNS = [
  "text",
  "label",
  "predicted",
  "confidence",
  "model_id",
  "model_version",
  "created_at",
  "id",
];

function exportRecord(r: FeedbackRow): Record<string, string | number | null> {
  return {
    text: r.text,
    label: r.label,
    predicted: r.predicted,
    confidence: r.confidence,
    model_id: r.modelId,
    model_version: r.modelVersion,
    created_at: r.createdAt,
    id: r.id,
  };
}

function dataDirOf(flag: string | undefined): string {
  return resolve(flag ?? process.env.SENTIMENT_HOME ?? ".sentiment");
}

function openExisting(dataDir: string): FeedbackStore {
  if (!existsSync(join(dataDir, FEEDBACK_DB))) {
    throw new UserError(
      `no feedback database at ${join(dataDir, FEEDBACK_DB)}; feedback is recorded by "sentiment serve" ` +
        "(set --data-dir or SENTIMENT_HOME to where the server keeps it)",
    );
  }
  return FeedbackStore.open(dataDir);
}

/** Write every row to `out`, waiting for the stream to drain so memory stays flat for any table size. */
export async function writeFeedback(
  store: FeedbackStore,
  format: "csv" | "jsonl",
  out: Writable,
): Promise<number> {
  let n = 0;
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  if (format === "csv") await write(stringify([EXPORT_COLUMNS]));
  for (const row of store.rows()) {
    const rec = exportRecord(row);
    await write(
      format === "csv" ? stringify([EXPORT_COLUMNS.map((c) => rec[c] ?? "")]) : `${JSON.stringify(rec)}\n`,
    );
    n++;
  }
  return n;
}

export function register(program: Command): void {
  const feedback = program
    .command("feedback")
    .description("Feedback collected by the server, for retraining");

  feedback
    .command("export")
    .description(
      "Write all feedback as CSV or JSON Lines (columns text,label,... usable by `sentiment train`)",
    )
    .option("--format <format>", "csv or jsonl", "csv")
    .option("-o, --out <file>", "output file (written atomically); default: standard output")
    .option("--data-dir <dir>", "where the server keeps its data (env SENTIMENT_HOME; default ./.sentiment)")
    .action(async (flags: { format: string; out?: string; dataDir?: string }) => {
      const format = flags.format.toLowerCase() === "ndjson" ? "jsonl" : flags.format.toLowerCase();
      if (format !== "csv" && format !== "jsonl") {
        throw new UserError(`unknown export format "${flags.format}"; expected csv or jsonl`);
      }
      const store = openExisting(dataDirOf(flags.dataDir));
      try {
        if (!flags.out) {
          await writeFeedback(store, format, process.stdout);
          return;
        }
        // Atomic: a reader never sees a half-written export, and a failure leaves any old export intact.
        const target = resolve(flags.out);
        const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
        const out = createWriteStream(tmp, { flush: true });
        try {
          const n = await writeFeedback(store, format, out);
          out.end();
          await once(out, "close");
          await rename(tmp, target);
          process.stderr.write(`wrote ${n} feedback rows to ${target}\n`);
        } catch (err) {
          out.destroy();
          await rm(tmp, { force: true });
          throw err;
        }
      } finally {
        store.close();
      }
    });

  feedback
    .command("stats")
    .description("How much feedback is stored, by label, and how often users disagreed with the model")
    .option("--data-dir <dir>", "where the server keeps its data (env SENTIMENT_HOME; default ./.sentiment)")
    .option("--json", "print JSON")
    .action((flags: { dataDir?: string; json?: boolean }) => {
      const store = openExisting(dataDirOf(flags.dataDir));
      try {
        const s = store.count();
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(s)}\n`
            : `${s.total} feedback rows: ${s.byLabel.positive} positive, ${s.byLabel.negative} negative; ` +
                `${s.disagreements} disagree with the prediction\n`,
        );
      } finally {
        store.close();
      }
    });
}
