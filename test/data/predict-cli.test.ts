// `sentiment predict` end to end with the bundled model (models/default.sentiment): texts, stdin,
// files in and out, bad rows and exit codes.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/fixtures.ts";

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

const POSITIVE = "A wonderful, moving film with brilliant acting. I loved every minute of it.";
const NEGATIVE = "Dreadful. A boring, stupid plot and awful acting; the worst film I have seen.";

describe("sentiment predict (bundled model)", () => {
  it("scores texts given as arguments, one JSON object each", async () => {
    const r = await runCli(["predict", "--json", POSITIVE, NEGATIVE]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.pred_label)).toEqual(["positive", "negative"]);
    for (const o of out) {
      expect(o.pred_p_negative + o.pred_p_positive).toBeCloseTo(1, 5);
      expect(o.pred_confidence).toBe(Math.max(o.pred_p_negative, o.pred_p_positive));
      expect(o.pred_rating === null || (o.pred_rating >= 1 && o.pred_rating <= 10)).toBe(true);
    }
    expect(out[0].text).toBe(POSITIVE);
  });

  it("reads one review per stdin line, marks an empty line and exits 3", async () => {
    const r = await runCli(["predict"], { stdin: `${POSITIVE}\n\n${NEGATIVE}\n` });
    expect(r.code).toBe(3);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^positive /);
    expect(lines[1]).toMatch(/^error .*row 2: empty text/);
    expect(lines[2]).toMatch(/^negative /);
    expect(r.stderr).toMatch(/1 of 3 rows of stdin could not be scored/);
  });

  it("scores a CSV file into a new CSV, keeping every column and row", async () => {
    const input = join(tmp.dir, "in.csv");
    writeFileSync(input, `id,review,label\n7,"${POSITIVE}",pos\n8,"${NEGATIVE}",neg\n`);
    const out = join(tmp.dir, "out.csv");
    const r = await runCli(["predict", "--file", input, "--out", out, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = parse(readFileSync(out, "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.id, row.label, row.pred_label, row.error])).toEqual([
      ["7", "pos", "positive", ""],
      ["8", "neg", "negative", ""],
    ]);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("writes JSONL with an error object for a bad row, and exits 3", async () => {
    const input = join(tmp.dir, "in.jsonl");
    writeFileSync(input, `{"text":${JSON.stringify(POSITIVE)}}\n{"text": oops}\n`);
    const r = await runCli(["predict", "--file", input, "--json"]);
    expect(r.code).toBe(3);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out[0].pred_label).toBe("positive");
    expect(out[1]).toEqual({ error: expect.stringMatching(/^row 2: invalid JSON/) });
    expect(r.stderr).toMatch(/row 2: invalid JSON/);
  });

  it("fails with exit 3 and the columns found when there is no text column", async () => {
    const input = join(tmp.dir, "nocol.csv");
    writeFileSync(input, "id,stars\n1,5\n");
    const out = join(tmp.dir, "nocol.out.csv");
    const r = await runCli(["predict", "--file", input, "--out", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no text column; found: id, stars/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("sentiment predict (errors that need no model)", () => {
  it("exits 4 naming a missing model file", async () => {
    const r = await runCli(["predict", "--model", join(tmp.dir, "nope.sentiment"), "hello"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/model not found: .*nope\.sentiment/);
  });

  it("exits 2 for an unknown output format", async () => {
    const r = await runCli(["predict", "--format", "xml", "hello"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be one of csv, tsv, jsonl, text/);
  });
});
