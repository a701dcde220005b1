// computeStats and `sentiment data stats`: counts, lengths, HTML, ratings and duplicates on the
// aclImdb fixture and on CSV/JSONL files.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeStats, summarizeLengths } from "../../src/data/stats.ts";
import { tokenize } from "../../src/text/preprocess.ts";
import { runCli } from "../helpers/cli.ts";
import { HTML_REVIEW, type ImdbFixture, makeImdbFixture, makeTempDir } from "../helpers/fixtures.ts";

const tmp = makeTempDir();
let fx: ImdbFixture;
beforeAll(async () => {
  fx = await makeImdbFixture(join(tmp.dir, "imdb"));
});
afterAll(() => tmp.cleanup());

describe("computeStats", () => {
  it("counts splits, labels, HTML and ratings of an aclImdb archive, and lists skipped files", async () => {
    const s = await computeStats(fx.tarGz);
    expect(Object.keys(s.splits)).toEqual(["train", "test", "unsup"]);
    expect(s.splits.train).toMatchObject({ reviews: 6, positive: 3, negative: 3, unlabeled: 0, withHtml: 1 });
    expect(s.splits.unsup).toMatchObject({ reviews: 2, unlabeled: 2, ratings: {} });
    expect(s.splits.train.ratings).toEqual({ 1: 1, 3: 1, 4: 1, 7: 1, 9: 1, 10: 1 });
    expect(s.splits.test.chars.max).toBe(Math.max(...fx.expected.test.map((r) => r.text.length)));
    expect(s.splits.train.tokens.max).toBe(
      Math.max(...fx.expected.train.map((r) => tokenize(r.text).length)),
    );
    expect(s.skipped.count).toBe(2);
    expect(s.crossSplitDuplicates).toEqual([
      { splits: ["train", "test"], texts: 0 },
      { splits: ["train", "unsup"], texts: 0 },
      { splits: ["test", "unsup"], texts: 0 },
    ]);
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("finds exact duplicate texts within a file", async () => {
    const path = join(tmp.dir, "dups.csv");
    writeFileSync(
      path,
      `text,label\nSame text,1\nOther,0\nSame text,1\nSame text,0\nOther,1\nUnique,1\n,1\n`,
    );
    const s = await computeStats(path);
    expect(s.splits.all).toMatchObject({
      reviews: 6,
      positive: 4,
      negative: 2,
      duplicates: { texts: 2, extraCopies: 3 },
    });
    expect(s.skipped).toEqual({ count: 1, examples: [{ row: 8, reason: 'empty text (column "text")' }] });
  });

  it("summarises lengths with nearest-rank percentiles", () => {
    const values = Int32Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(summarizeLengths(values)).toEqual({ min: 1, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(summarizeLengths(new Int32Array(0)).max).toBe(0);
  });
});

describe("sentiment data stats", () => {
  it("prints one JSON object with --json", async () => {
    const r = await runCli(["data", "stats", "--data", fx.tarGz, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.splits.test).toMatchObject({ reviews: 4, positive: 2, negative: 2 });
    expect(s.source).toBe(fx.tarGz);
  });

  it("prints readable tables for a JSONL file", async () => {
    const path = join(tmp.dir, "a.jsonl");
    writeFileSync(
      path,
      `${JSON.stringify({ text: HTML_REVIEW, label: "pos", rating: 9 })}\n{"text":"Bad","label":"neg"}\n`,
    );
    const r = await runCli(["data", "stats", "--data", path, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/split\s+reviews\s+positive\s+negative\s+unlabeled\s+with HTML/);
    expect(r.stdout).toMatch(/\nall\s+2\s+1\s+1\s+0\s+1\s+0\s+0\n/);
    expect(r.stdout).toMatch(/skipped: 0/);
  });

  it("exits 3 naming the columns when a file has no text column", async () => {
    const path = join(tmp.dir, "nocol.csv");
    writeFileSync(path, "a,b\n1,2\n");
    const r = await runCli(["data", "stats", "--data", path]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no text column; found: a, b/);
  });
});
