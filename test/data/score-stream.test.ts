// scoreStream: every input row comes back in order with its columns and predictions or an error,
// in each output format, and a big file is processed batch by batch with bounded memory.
import { createWriteStream, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { openFileBytes } from "../../src/data/load.ts";
import { openAtomicFile } from "../../src/data/output.ts";
import { type OutputFormat, predictionColumnNames, scoreStream } from "../../src/data/score-stream.ts";
import { readTable, type TableFormat } from "../../src/data/table.ts";
import { DataError } from "../../src/util/errors.ts";
import { makeTempDir } from "../helpers/fixtures.ts";
import { LexiconModel } from "../helpers/lexicon-model.ts";

const tmp = makeTempDir();

/** The V8 garbage collector as a function, without starting Node with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
afterAll(() => tmp.cleanup());

async function score(content: string, format: TableFormat, output: OutputFormat, extra = {}) {
  let out = "";
  const model = new LexiconModel();
  const summary = await scoreStream({
    model,
    rows: readTable([Buffer.from(content)], { format, source: "in" }),
    format: output,
    write: async (chunk) => {
      out += chunk;
    },
    source: "in",
    ...extra,
  });
  return { out, summary, model };
}

describe("scoreStream", () => {
  it("CSV: keeps every column, adds predictions, marks bad rows in place", async () => {
    const csv =
      'id,review,label\n1,"Great, wonderful film",positive\n2,,negative\n3,Awful and boring,negative\n4,x,y,z\n';
    const { out, summary } = await score(csv, "csv", "csv");
    const rows = parse(out, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([
      "id",
      "review",
      "label",
      "pred_label",
      "pred_confidence",
      "pred_p_negative",
      "pred_p_positive",
      "pred_rating",
      "error",
    ]);
    expect(rows.map((r) => r.id)).toEqual(["1", "2", "3", "4"]);
    expect(rows[0]).toMatchObject({ label: "positive", pred_label: "positive", error: "" });
    expect(Number(rows[0].pred_p_positive)).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(Number(rows[0].pred_p_negative) + Number(rows[0].pred_p_positive)).toBeCloseTo(1, 6);
    expect(rows[1]).toMatchObject({
      pred_label: "",
      pred_p_positive: "",
      error: 'row 3: empty text (column "review")',
    });
    expect(rows[2].pred_label).toBe("negative");
    expect(rows[3].error).toMatch(/row 5: expected 3 columns/);
    expect(summary).toMatchObject({ rows: 4, scored: 2, failed: 2 });
    expect(summary.failures.map((f) => f.row)).toEqual([3, 5]);
  });

  it("JSONL: adds fields to each object and writes an error object for bad lines", async () => {
    const jsonl = '{"text":"Superb","n":1}\n{"text":""}\nnot json\n{"text":"Dreadful","n":{"a":1}}\n';
    const { out, summary } = await score(jsonl, "jsonl", "jsonl");
    const lines = out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({
      text: "Superb",
      n: 1,
      pred_label: "positive",
      pred_rating: expect.any(Number),
    });
    expect(lines[1]).toEqual({ text: "", error: 'row 2: empty text (column "text")' });
    expect(lines[2].error).toMatch(/row 3: invalid JSON/);
    expect(lines[3]).toMatchObject({ n: { a: 1 }, pred_label: "negative" });
    expect(summary.failed).toBe(2);
  });

  it("converts between formats (JSONL in, TSV out) and honours an explicit text column", async () => {
    const jsonl = '{"title":"x","body":"Loved it"}\n';
    const { out } = await score(jsonl, "jsonl", "tsv", { textColumn: "body" });
    const [header, row] = out.trimEnd().split("\n");
    expect(header.split("\t")).toEqual(["title", "body", ...predictionColumnNames([]), "error"]);
    expect(row.split("\t").slice(0, 3)).toEqual(["x", "Loved it", "positive"]);
  });

  it("is a DataError listing the columns when there is no text column", async () => {
    await expect(score("a,b\n1,2\n", "csv", "csv")).rejects.toThrow(DataError);
    await expect(score("a,b\n1,2\n", "csv", "csv")).rejects.toThrow(/found: a, b/);
  });

  it("calls the model in batches of at most batchSize, in input order", async () => {
    const csv = `text\n${Array.from({ length: 1100 }, (_, i) => `review ${i} good`).join("\n")}\n`;
    const { out, model } = await score(csv, "csv", "jsonl", { batchSize: 500 });
    expect(model.calls).toEqual([500, 500, 100]);
    expect(
      out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).text),
    ).toEqual(Array.from({ length: 1100 }, (_, i) => `review ${i} good`));
  });

  it("renames prediction columns that the input already has", () => {
    expect(predictionColumnNames(["label", "pred_label", "pred_rating", "pred_pred_rating"])).toEqual([
      "pred_pred_label",
      "pred_confidence",
      "pred_p_negative",
      "pred_p_positive",
      "pred_pred_pred_rating",
    ]);
  });

  it("streams a ~50 MB file batch by batch: output is written before the input is read to the end", async () => {
    const path = join(tmp.dir, "big.csv");
    const filler = "lorem ipsum dolor sit amet ".repeat(40); // ~1 KB column the model never sees
    const rows = 48_000;
    await new Promise<void>((resolve, reject) => {
      const ws = createWriteStream(path);
      ws.on("error", reject);
      ws.write("id,text,notes\n");
      let i = 0;
      const pump = () => {
        while (i < rows) {
          if (!ws.write(`${i},review ${i} was ${i % 2 ? "great" : "awful"},${filler}\n`)) {
            i++;
            ws.once("drain", pump);
            return;
          }
          i++;
        }
        ws.end(resolve);
      };
      pump();
    });
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(45e6);

    let bytesRead = 0;
    let bytesWritten = 0;
    let peakHeapGrowth = 0;
    const gc = exposeGc();
    gc();
    const heapBase = process.memoryUsage().heapUsed;
    const atCall: { read: number; written: number }[] = [];
    const model = new LexiconModel();
    model.onCall = () => {
      atCall.push({ read: bytesRead, written: bytesWritten });
      if (atCall.length % 8 === 0) gc(); // measure live data, not garbage awaiting collection
      if (atCall.length % 8 === 0)
        peakHeapGrowth = Math.max(peakHeapGrowth, process.memoryUsage().heapUsed - heapBase);
    };
    const { stream } = openFileBytes(path, (read) => {
      bytesRead = read;
    });
    const outPath = join(tmp.dir, "big.out.csv");
    const out = await openAtomicFile(outPath);
    const summary = await scoreStream({
      model,
      rows: readTable(stream, { format: "csv", source: path }),
      format: "csv",
      write: async (chunk) => {
        bytesWritten += chunk.length;
        await out.write(chunk);
      },
      source: path,
      batchSize: 512,
    });
    await out.commit();

    expect(summary).toMatchObject({ rows, scored: rows, failed: 0 });
    expect(model.calls).toHaveLength(Math.ceil(rows / 512));
    expect(Math.max(...model.calls)).toBe(512);
    const batchBytes = (size / rows) * 512;
    for (let k = 1; k < atCall.length; k++) {
      // Before scoring batch k, the previous k batches are already written out...
      expect(atCall[k].written).toBeGreaterThanOrEqual(k * batchBytes * 0.9);
      // ...and the reader is at most a few MB of read-ahead past batch k.
      expect(atCall[k].read).toBeLessThan((k + 1) * batchBytes + 8e6);
    }
    // Holding the file would take > 100 MB of heap (UTF-16 strings); one batch is ~0.5 MB.
    expect(peakHeapGrowth).toBeLessThan(16e6);
    const written = readFileSync(outPath, "utf8");
    expect(written.split("\n")).toHaveLength(rows + 2); // header + rows + final newline
  });
});
