// POST /v1/feedback -> SQLite (WAL) -> `sentiment feedback export`, whose output the data loader reads
// back as labeled reviews for retraining.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { loadReviews } from "../../src/data/load.ts";
import { FEEDBACK_DB, FeedbackStore } from "../../src/serve/feedbackStore.ts";
import { postJson, type TestApp, testApp } from "./helpers.ts";

let t: TestApp;
let out: string;
beforeAll(async () => {
  t = await testApp();
  out = mkdtempSync(join(tmpdir(), "sentiment-feedback-out-"));
});
afterAll(async () => {
  await t.close();
  rmSync(out, { recursive: true, force: true });
});

const TRICKY = 'He said "not bad", then left,\nwithout a word. 😀 café';

describe("feedback", () => {
  it("stores feedback durably with the serving model's id and version", async () => {
    const a = await postJson(t.app, "/v1/feedback", {
      text: TRICKY,
      predicted: "negative",
      label: "positive",
      confidence: 0.61,
    });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ id: 1, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const b = await postJson(t.app, "/v1/feedback", {
      text: "Dreadful.",
      predicted: "negative",
      label: "negative",
      model: "other",
      version: "abc",
    });
    expect(b.json().id).toBe(2);

    const db = new Database(join(t.dataDir, FEEDBACK_DB), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    const rows = db.prepare("SELECT * FROM feedback ORDER BY id").all() as Record<string, unknown>[];
    db.close();
    expect(rows[0]).toMatchObject({
      text: TRICKY,
      predicted: "negative",
      label: "positive",
      model_id: "default",
      confidence: 0.61,
    });
    expect(rows[0].model_version).toMatch(/^[0-9a-f]{12}$/);
    expect(rows[1]).toMatchObject({ model_id: "other", model_version: "abc" });

    const stats = await t.app.inject({ method: "GET", url: "/v1/feedback/stats" });
    expect(stats.json()).toEqual({ total: 2, byLabel: { negative: 1, positive: 1 }, disagreements: 1 });
  });

  it("rejects bad feedback with 4xx", async () => {
    for (const body of [
      { text: "x", predicted: "negative" },
      { text: "x", predicted: "neutral", label: "positive" },
      { text: "  ", predicted: "negative", label: "positive" },
      { text: "x", predicted: "negative", label: "positive", confidence: 2 },
    ]) {
      const res = await postJson(t.app, "/v1/feedback", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it("exports CSV and JSONL that the data loader reads back as labeled reviews", async () => {
    const csv = join(out, "feedback.csv");
    expect(await main(["feedback", "export", "--format", "csv", "--data-dir", t.dataDir, "--out", csv])).toBe(
      0,
    );
    const rows = parse(readFileSync(csv), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]).slice(0, 2)).toEqual(["text", "label"]);
    expect(rows.map((r) => [r.text, r.label])).toEqual([
      [TRICKY, "positive"],
      ["Dreadful.", "negative"],
    ]);
    const loaded = await loadReviews(csv);
    expect(loaded.skipped).toEqual([]);
    expect(loaded.reviews.map((r) => [r.text, r.label])).toEqual([
      [TRICKY, 1],
      ["Dreadful.", 0],
    ]);

    const jsonl = join(out, "feedback.jsonl");
    expect(
      await main(["feedback", "export", "--format", "jsonl", "--data-dir", t.dataDir, "--out", jsonl]),
    ).toBe(0);
    const lines = readFileSync(jsonl, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      text: TRICKY,
      label: "positive",
      predicted: "negative",
      model_id: "default",
    });
    expect((await loadReviews(jsonl)).reviews.map((r) => r.label)).toEqual([1, 0]);
  });

  it("explains a missing database and an unknown format", async () => {
    const empty = mkdtempSync(join(tmpdir(), "sentiment-nofeedback-"));
    const errors: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => {
      errors.push(s);
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(["feedback", "export", "--data-dir", empty])).toBe(2);
      expect(await main(["feedback", "export", "--format", "xml", "--data-dir", t.dataDir])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join("")).toMatch(/no feedback database at .*feedback\.db/);
    expect(errors.join("")).toMatch(/unknown export format "xml"; expected csv or jsonl/);
    expect(existsSync(join(empty, FEEDBACK_DB))).toBe(false);
    rmSync(empty, { recursive: true, force: true });
  });

  it("keeps data written by one store visible to another connection (server writes, CLI reads)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sentiment-store-"));
    const writer = FeedbackStore.open(dir);
    const reader = FeedbackStore.open(dir);
    writer.add({ text: "ok", predicted: "positive", label: "positive" });
    expect([...reader.rows()].map((r) => r.text)).toEqual(["ok"]);
    writer.close();
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
