// POST /v1/predict/file: CSV/TSV/JSONL uploads (multipart and raw), outputs, and rejected files.
import { gzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predict } from "../../src/models/model.ts";
import {
  bundledModel,
  multipart,
  NEGATIVE_REVIEW,
  POSITIVE_REVIEW,
  type TestApp,
  testApp,
} from "./helpers.ts";

let t: TestApp;
beforeAll(async () => {
  t = await testApp({ maxFileRows: 50, maxFileBytes: 200_000, maxTextChars: 5000 });
});
afterAll(() => t.close());

const CSV = `id,review,sentiment\n1,"${POSITIVE_REVIEW}",positive\n2,"${NEGATIVE_REVIEW}",negative\n3,"Line one,\nline ""two"" of a so-so film",neg\n`;

function upload(filename: string, content: string | Buffer, query = "", type = "text/csv") {
  const { payload, headers } = multipart(filename, content, "file", type);
  return t.app.inject({ method: "POST", url: `/v1/predict/file${query}`, payload, headers });
}

describe("POST /v1/predict/file", () => {
  it("scores a CSV upload and returns every input column plus predictions, as CSV", async () => {
    const res = await upload("reviews.csv", CSV);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/csv/);
    expect(res.headers["content-disposition"]).toBe('attachment; filename="reviews.predictions.csv"');
    expect(res.headers["x-sentiment-rows"]).toBe("3");
    expect(res.headers["x-sentiment-text-column"]).toBe("review");
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([
      "id",
      "review",
      "sentiment",
      "pred_label",
      "pred_confidence",
      "pred_p_negative",
      "pred_p_positive",
      "pred_rating",
    ]);
    expect(rows.map((r) => r.id)).toEqual(["1", "2", "3"]);
    expect(rows[2].review).toBe('Line one,\nline "two" of a so-so film');
    const direct = await predict(
      (await bundledModel()).model,
      rows.map((r) => r.review),
    );
    rows.forEach((r, i) => {
      expect(r.pred_label).toBe(direct[i].label);
      expect(Number(r.pred_p_positive)).toBeCloseTo(direct[i].probabilities.positive, 5);
      expect(Number(r.pred_rating)).toBeCloseTo(direct[i].rating as number, 1);
    });
    expect(rows[0].pred_label).toBe("positive");
    expect(rows[1].pred_label).toBe("negative");
  });

  it("returns JSON Lines when asked, keeping the input's types", async () => {
    const res = await upload("reviews.csv", CSV, "?output=jsonl");
    expect(res.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    const rows = res.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ id: "1", sentiment: "positive", pred_label: "positive" });
    expect(rows[0].pred_confidence).toBeTypeOf("number");
  });

  it("scores a JSONL upload sent as the raw body", async () => {
    const body = `${JSON.stringify({ text: POSITIVE_REVIEW, n: 1 })}\n\n${JSON.stringify({ text: NEGATIVE_REVIEW, n: 2 })}\n`;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/predict/file",
      headers: { "content-type": "application/x-ndjson" },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const rows = res.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.n, r.pred_label])).toEqual([
      [1, "positive"],
      [2, "negative"],
    ]);
  });

  it("reads TSV and gzipped uploads", async () => {
    const tsv = `text\tother\n${POSITIVE_REVIEW}\tx\n`;
    const a = await upload("r.tsv", tsv);
    expect(a.statusCode).toBe(200);
    expect(a.body.split("\n")[0]).toBe(
      "text\tother\tpred_label\tpred_confidence\tpred_p_negative\tpred_p_positive\tpred_rating",
    );
    const b = await upload("r.csv.gz", gzipSync(CSV), "", "application/gzip");
    expect(b.statusCode).toBe(200);
    expect(b.headers["x-sentiment-rows"]).toBe("3");
  });

  it("rejects a file whose rows lack text, naming the rows", async () => {
    const res = await upload("bad.csv", `review,x\ngood film,1\n,2\n   ,3\nfine,4\n`);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("SA_ERR_SERVE_BAD_DATA");
    expect(res.json().message).toMatch(/2 row\(s\) cannot be scored: row 3: empty text.*row 4: empty text/);
  });

  it("rejects a file without a text column, listing the columns found", async () => {
    const res = await upload("bad.csv", "id,comment_id\n1,2\n");
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/no text column; found: id, comment_id/);
  });

  it("rejects invalid UTF-8 and broken JSON lines with their row numbers", async () => {
    const bytes = Buffer.concat([Buffer.from("text\ngood\nbad "), Buffer.from([0xff]), Buffer.from("\n")]);
    const a = await upload("r.csv", bytes);
    expect(a.statusCode).toBe(400);
    expect(a.json().message).toMatch(/row 3: column "text" is not valid UTF-8/);
    const b = await upload("r.jsonl", '{"text":"good"}\n{"text": oops}\n', "", "application/x-ndjson");
    expect(b.statusCode).toBe(400);
    expect(b.json().message).toMatch(/row 2: invalid JSON/);
  });

  it("enforces the row and size limits with 413", async () => {
    const many = `text\n${"good film\n".repeat(51)}`;
    const a = await upload("many.csv", many);
    expect(a.statusCode).toBe(413);
    expect(a.json().code).toBe("SA_ERR_SERVE_TOO_MANY_ROWS");
    const big = `text\n${`${"x".repeat(1000)}\n`.repeat(250)}`;
    const b = await upload("big.csv", big);
    expect(b.statusCode).toBe(413);
    expect(b.json().code).toBe("SA_ERR_SERVE_FILE_TOO_LARGE");
    const c = await t.app.inject({
      method: "POST",
      url: "/v1/predict/file",
      headers: { "content-type": "text/csv" },
      payload: big,
    });
    expect(c.statusCode).toBe(413);
  });

  it("explains what is wrong with the request itself", async () => {
    const noFormat = await upload("reviews.txt", CSV, "", "application/octet-stream");
    expect(noFormat.statusCode).toBe(400);
    expect(noFormat.json().message).toMatch(/cannot tell the format/);
    const wrongField = multipart("r.csv", CSV, "upload");
    const res = await t.app.inject({ method: "POST", url: "/v1/predict/file", ...wrongField });
    expect(res.json().message).toMatch(/field named "file"/);
    const empty = await upload("empty.csv", "");
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toMatch(/empty/);
    const headerOnly = await upload("h.csv", "text\n");
    expect(headerOnly.json().message).toMatch(/no rows/);
    const badOutput = await upload("r.csv", CSV, "?output=xml");
    expect(badOutput.statusCode).toBe(400);
  });
});
