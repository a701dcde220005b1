// loadReviews on CSV, TSV, JSONL, JSON and aclImdb: column detection, label forms, and every bad row
// reported with its line number and reason.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectColumns, parseLabel } from "../../src/data/columns.ts";
import { loadReviews } from "../../src/data/load.ts";
import { DataError, UserError } from "../../src/util/errors.ts";
import { type ImdbFixture, makeImdbFixture, makeTempDir } from "../helpers/fixtures.ts";

const tmp = makeTempDir();
let fx: ImdbFixture;
beforeAll(async () => {
  fx = await makeImdbFixture(join(tmp.dir, "imdb"));
});
afterAll(() => tmp.cleanup());

function file(name: string, content: string | Buffer): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, content);
  return path;
}

describe("loadReviews: CSV", () => {
  it("detects the text, label and rating columns and keeps quoted commas and newlines", async () => {
    const path = file(
      "basic.csv",
      'id,review,sentiment,rating\n1,"Great, really great",positive,9\n2,"Bad.\nVery bad.",negative,2\n3,Fine,pos,\n',
    );
    const { reviews, skipped, sha256 } = await loadReviews(path);
    expect(skipped).toEqual([]);
    expect(reviews).toEqual([
      { id: "2", text: "Great, really great", label: 1, rating: 9 },
      { id: "3", text: "Bad.\nVery bad.", label: 0, rating: 2 },
      { id: "5", text: "Fine", label: 1 },
    ]);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts every documented label form, in any case", async () => {
    const rows = ["positive,a", "NEGATIVE,b", "pos,c", "neg,d", "1,e", "0,f", "true,g", "False,h"];
    const { reviews, skipped } = await loadReviews(file("labels.csv", `label,text\n${rows.join("\n")}\n`));
    expect(skipped).toEqual([]);
    expect(reviews.map((r) => r.label)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it("reports each bad row with its line and reason, and keeps the good ones", async () => {
    const content = Buffer.concat([
      Buffer.from("text,label\n"),
      Buffer.from("good one,pos\n"), // line 2
      Buffer.from(",neg\n"), // 3: missing text
      Buffer.from("   ,neg\n"), // 4: blank text
      Buffer.from("meh,maybe\n"), // 5: unknown label
      Buffer.from("too,many,columns\n"), // 6
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x31, 0x0a]), // 7: Latin-1 "café,1"
      Buffer.from("no label,\n"), // 8: empty label
      Buffer.from(`${"x".repeat(50)},1\n`), // 9: over maxTextLength
      Buffer.from('a "quoted" word,0\n'), // 10: stray quotes are fine
      Buffer.from("last good,1"), // 11, no final newline
    ]);
    const { reviews, skipped } = await loadReviews(file("bad.csv", content), { maxTextLength: 40 });
    expect(reviews.map((r) => [r.id, r.text, r.label])).toEqual([
      ["2", "good one", 1],
      ["10", 'a "quoted" word', 0],
      ["11", "last good", 1],
    ]);
    expect(skipped.map((s) => s.row)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const reasons = skipped.map((s) => s.reason);
    expect(reasons[0]).toMatch(/empty text/);
    expect(reasons[1]).toMatch(/empty text/);
    expect(reasons[2]).toMatch(/unknown label "maybe"/);
    expect(reasons[3]).toMatch(/expected 2 columns .* found 3/);
    expect(reasons[4]).toMatch(/not valid UTF-8/);
    expect(reasons[5]).toMatch(/empty label/);
    expect(reasons[6]).toMatch(/50 characters, over the limit of 40/);
  });

  it("reports an unclosed quote at the end instead of losing the row", async () => {
    const { reviews, skipped } = await loadReviews(file("unclosed.csv", 'text\nfine\n"never closed\nmore\n'));
    expect(reviews.map((r) => r.text)).toEqual(["fine"]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].row).toBe(3);
    expect(skipped[0].reason).toMatch(/Quote Not Closed/);
  });

  it("stops with a DataError when one record exceeds maxRowBytes (unclosed quote on a big file)", async () => {
    const path = file("runaway.csv", `text\nok\n"${"y".repeat(5000)}\n`);
    await expect(loadReviews(path, { maxRowBytes: 1000 })).rejects.toThrow(/larger than 1000 bytes/);
  });

  it("is a DataError listing the columns when no text column exists", async () => {
    const err = await loadReviews(file("nocol.csv", "id,stars,sentiment\n1,5,pos\n")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/no text column; found: id, stars, sentiment/);
  });

  it("uses explicitly named columns, and errors on a named column that does not exist", async () => {
    const path = file("named.csv", "title,body2,verdict\nT,Loved it,1\n");
    const { reviews } = await loadReviews(path, { textColumn: "body2", labelColumn: "verdict" });
    expect(reviews).toEqual([{ id: "2", text: "Loved it", label: 1 }]);
    await expect(loadReviews(path, { textColumn: "nope" })).rejects.toThrow(
      /no text column "nope"; found: title/,
    );
  });

  it("reads TSV and gzipped CSV", async () => {
    const tsv = await loadReviews(file("a.tsv", "sentiment\treview\npos\tNice, warm film\n"));
    expect(tsv.reviews).toEqual([{ id: "2", text: "Nice, warm film", label: 1 }]);
    const gz = await loadReviews(file("a.csv.gz", gzipSync("text\nhello\n")));
    expect(gz.reviews).toEqual([{ id: "2", text: "hello" }]);
  });

  it("handles a UTF-8 BOM and CRLF line ends (spreadsheet exports), with correct line numbers", async () => {
    const content = Buffer.concat([
      Buffer.from('\uFEFFtext,label\r\n"two\r\nlines",pos\r\n,neg\r\nlast,neg\r\n'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x31, 0x0d, 0x0a]), // line 6: Latin-1 "café,1"
    ]);
    const { reviews, skipped } = await loadReviews(file("excel.csv", content));
    expect(reviews).toEqual([
      { id: "2", text: "two\r\nlines", label: 1 },
      { id: "5", text: "last", label: 0 },
    ]);
    expect(skipped.map((s) => s.row)).toEqual([4, 6]);
    expect(skipped[1].reason).toMatch(/not valid UTF-8/);
  });

  it("is a DataError for an empty file", async () => {
    await expect(loadReviews(file("empty.csv", ""))).rejects.toThrow(DataError);
  });
});

describe("loadReviews: JSON Lines and JSON", () => {
  it("reads JSONL rows and reports invalid JSON, bad UTF-8, non-objects and bad values per line", async () => {
    const content = Buffer.concat([
      Buffer.from('{"text":"Superb","label":1,"rating":10}\n'), // 1
      Buffer.from('{"text":"Awful","label":false}\n'), // 2
      Buffer.from("\n"), // 3: blank, ignored
      Buffer.from('{"text": "broken"\n'), // 4: invalid JSON
      Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]), // 5: {"text":"\xff"}
      Buffer.from("[1,2]\n"), // 6: not an object
      Buffer.from('{"label":1}\n'), // 7: missing text
      Buffer.from('{"text":42,"label":1}\n'), // 8: text not a string
      Buffer.from('{"text":"ok","label":1,"rating":"eleven"}\r\n'), // 9: bad rating (CRLF line)
      Buffer.from('{"text":"Fine","label":"pos"}'), // 10
    ]);
    const { reviews, skipped } = await loadReviews(file("a.jsonl", content));
    expect(reviews).toEqual([
      { id: "1", text: "Superb", label: 1, rating: 10 },
      { id: "2", text: "Awful", label: 0 },
      { id: "10", text: "Fine", label: 1 },
    ]);
    expect(skipped.map((s) => s.row)).toEqual([4, 5, 6, 7, 8, 9]);
    const reasons = skipped.map((s) => s.reason);
    expect(reasons[0]).toMatch(/invalid JSON/);
    expect(reasons[1]).toMatch(/not valid UTF-8/);
    expect(reasons[2]).toMatch(/an array, expected a JSON object/);
    expect(reasons[3]).toMatch(/missing text/);
    expect(reasons[4]).toMatch(/is number, expected a string/);
    expect(reasons[5]).toMatch(/rating "eleven"/);
  });

  it("reports over-long lines without buffering them", async () => {
    const content = `{"text":"short"}\n{"text":"${"z".repeat(3000)}"}\n{"text":"after"}\n`;
    const { reviews, skipped } = await loadReviews(file("long.jsonl", content), { maxRowBytes: 1000 });
    expect(reviews.map((r) => r.text)).toEqual(["short", "after"]);
    expect(skipped).toEqual([
      { row: 2, reason: expect.stringMatching(/3011 bytes, over the limit of 1000/) },
    ]);
  });

  it("reads a .json array of objects, and a .json file that is really JSON Lines", async () => {
    const arr = await loadReviews(file("a.json", '[{"content":"Good","polarity":"positive"}, 5]'));
    expect(arr.reviews).toEqual([{ id: "1", text: "Good", label: 1 }]);
    expect(arr.skipped).toEqual([{ row: 2, reason: "element 2 is a number, expected an object" }]);
    const lines = await loadReviews(file("b.json", '{"sentence":"Bad","label":0}\n'));
    expect(lines.reviews).toEqual([{ id: "1", text: "Bad", label: 0 }]);
    await expect(loadReviews(file("c.json", '[{"text":"x"'))).rejects.toThrow(/invalid JSON/);
  });

  it("decides columns from the first object and reports the missing column", async () => {
    await expect(loadReviews(file("nocol.jsonl", '{"title":"x","score":3}\n'))).rejects.toThrow(
      /no text column; found: title, score/,
    );
  });
});

describe("loadReviews: aclImdb and dispatch", () => {
  it("reads one split of the archive or the folder", async () => {
    const fromTar = await loadReviews(fx.tarGz, { split: "test" });
    expect(fromTar.reviews).toEqual(fx.expected.test);
    expect(fromTar.skipped).toEqual([{ row: "aclImdb/test/neg/2_3.txt", reason: "empty review" }]);
    expect((await loadReviews(fx.folder, { split: "train" })).reviews).toEqual(fx.expected.train);
  });

  it("refuses to guess a split of aclImdb", async () => {
    await expect(loadReviews(fx.tarGz)).rejects.toThrow(UserError);
  });

  it("names the file when it does not exist or its format is unknown", async () => {
    await expect(loadReviews(join(tmp.dir, "missing.csv"))).rejects.toThrow(/not found: .*missing\.csv/);
    await expect(loadReviews(file("x.xlsx", "..."))).rejects.toThrow(/cannot tell the format of .*x\.xlsx/);
  });
});

describe("column helpers", () => {
  it("prefers the first matching name, ignoring case", () => {
    expect(detectColumns(["ID", "Text", "Review", "Label", "Stars"], {}, "f")).toEqual({
      text: "Text",
      label: "Label",
      rating: "Stars",
    });
  });

  it("parses labels and tells empty from unknown", () => {
    expect(parseLabel(" Positive ")).toBe(1);
    expect(parseLabel(0)).toBe(0);
    expect(parseLabel(true)).toBe(1);
    expect(parseLabel("")).toBe("empty");
    expect(parseLabel(null)).toBe("empty");
    expect(parseLabel("4")).toBeUndefined();
    expect(parseLabel({})).toBeUndefined();
  });
});
