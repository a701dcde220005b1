// POST /v1/predict and /v1/explain against the real bundled model: shapes, order, limits and every
// kind of bad request (each a 4xx JSON error with a clear message, never a 500).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predict } from "../../src/models/model.ts";
import {
  bundledModel,
  NEGATIVE_REVIEW,
  POSITIVE_REVIEW,
  postJson,
  type TestApp,
  testApp,
} from "./helpers.ts";

let t: TestApp;
beforeAll(async () => {
  t = await testApp({ maxTextChars: 2000, maxBatch: 8, bodyLimitBytes: 64 * 1024 });
});
afterAll(() => t.close());

describe("POST /v1/predict", () => {
  it("scores one review with label, probabilities, confidence, rating and the model's id and version", async () => {
    const res = await postJson(t.app, "/v1/predict", { text: POSITIVE_REVIEW });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.label).toBe("positive");
    expect(body.probabilities.positive + body.probabilities.negative).toBeCloseTo(1, 12);
    expect(body.confidence).toBe(Math.max(body.probabilities.positive, body.probabilities.negative));
    expect(body.confidence).toBeGreaterThan(0.5);
    expect(body.rating).toBeGreaterThanOrEqual(1);
    expect(body.rating).toBeLessThanOrEqual(10);
    expect(body.model).toMatchObject({ id: "default", family: "nblr" });
    expect(body.model.version).toMatch(/^[0-9a-f]{12}$/);
    expect(body.model.modelId).toBe((await bundledModel()).metadata.id);
  });

  it("scores a batch in order, identical to the model called directly", async () => {
    const texts = [NEGATIVE_REVIEW, POSITIVE_REVIEW, "Not bad at all.", "An utterly forgettable film."];
    const res = await postJson(t.app, "/v1/predict", { texts });
    expect(res.statusCode).toBe(200);
    const { predictions, model } = res.json();
    expect(predictions).toHaveLength(4);
    expect(predictions[0].label).toBe("negative");
    expect(predictions[1].label).toBe("positive");
    expect(model.id).toBe("default");
    const direct = await predict((await bundledModel()).model, texts);
    expect(predictions).toEqual(direct);
  });

  it("keeps non-ASCII text intact (UTF-8 round trip)", async () => {
    const text = "Ein großartiger Film — 素晴らしい映画 😀 wonderful";
    const a = (await postJson(t.app, "/v1/predict", { text })).json();
    const [b] = await predict((await bundledModel()).model, [text]);
    expect(a.probabilities).toEqual(b.probabilities);
  });

  const bad: [string, unknown, number, string, RegExp][] = [
    ["invalid JSON", '{"text": "good",', 400, "SA_ERR_SERVE_INVALID_JSON", /not valid JSON/],
    ["an empty body", "", 400, "SA_ERR_SERVE_EMPTY_BODY", /empty/],
    ["a JSON array", "[1,2]", 400, "SA_ERR_SERVE_VALIDATION", /body must be object/],
    ["a number as text", { text: 5 }, 400, "SA_ERR_SERVE_VALIDATION", /body\/text must be string/],
    ["null text", { text: null }, 400, "SA_ERR_SERVE_VALIDATION", /body\/text must be string/],
    ["an empty text", { text: "" }, 400, "SA_ERR_SERVE_VALIDATION", /fewer than 1 characters/],
    ["a whitespace-only text", { text: " \n\t " }, 400, "SA_ERR_SERVE_EMPTY_TEXT", /text is empty/],
    [
      "a blank text in a batch",
      { texts: ["good", "  "] },
      400,
      "SA_ERR_SERVE_EMPTY_TEXT",
      /texts\[1\] is empty/,
    ],
    [
      "an oversized text",
      { text: "a".repeat(2001) },
      400,
      "SA_ERR_SERVE_VALIDATION",
      /more than 2000 characters/,
    ],
    [
      "an oversized batch",
      { texts: Array(9).fill("good") },
      400,
      "SA_ERR_SERVE_VALIDATION",
      /more than 8 items/,
    ],
    ["an empty batch", { texts: [] }, 400, "SA_ERR_SERVE_VALIDATION", /fewer than 1 items/],
    [
      "a non-string in a batch",
      { texts: ["good", 3] },
      400,
      "SA_ERR_SERVE_VALIDATION",
      /texts\/1 must be string/,
    ],
    ["both text and texts", { text: "a", texts: ["b"] }, 400, "SA_ERR_SERVE_TEXT_OR_TEXTS", /exactly one/],
    ["neither text nor texts", {}, 400, "SA_ERR_SERVE_TEXT_OR_TEXTS", /exactly one/],
    ["an unknown key", { txt: "good" }, 400, "SA_ERR_SERVE_VALIDATION", /unknown property "txt"/],
  ];
  for (const [what, body, status, code, message] of bad) {
    it(`rejects ${what} with ${status} ${code}`, async () => {
      const res = await postJson(t.app, "/v1/predict", body);
      expect(res.statusCode).toBe(status);
      const json = res.json();
      expect(json).toMatchObject({ statusCode: status, code });
      expect(json.message).toMatch(message);
      expect(json.error).toBeTypeOf("string");
    });
  }

  it("rejects invalid UTF-8 with a 400 naming the byte offset, instead of scoring mojibake", async () => {
    const body = Buffer.concat([
      Buffer.from('{"text": "caf'),
      Buffer.from([0xe9]),
      Buffer.from(' au lait"}'),
    ]);
    const res = await postJson(t.app, "/v1/predict", body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "SA_ERR_SERVE_BAD_UTF8" });
    expect(res.json().message).toMatch(/byte 13/);
  });

  it("accepts JSON with an explicit UTF-8 charset", async () => {
    const res = await postJson(
      t.app,
      "/v1/predict",
      { text: "good" },
      { "content-type": "application/json; charset=UTF-8" },
    );
    expect(res.statusCode).toBe(200);
  });

  it("rejects overlong encodings and lone surrogates as invalid UTF-8", async () => {
    for (const bytes of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const body = Buffer.concat([Buffer.from('{"text": "x'), Buffer.from(bytes), Buffer.from('"}')]);
      expect((await postJson(t.app, "/v1/predict", body)).json().code).toBe("SA_ERR_SERVE_BAD_UTF8");
    }
  });

  it("accepts a UTF-8 BOM", async () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify({ text: POSITIVE_REVIEW })),
    ]);
    expect((await postJson(t.app, "/v1/predict", body)).statusCode).toBe(200);
  });

  it("rejects JSON declared in another charset with 415", async () => {
    const res = await postJson(
      t.app,
      "/v1/predict",
      { text: "good" },
      { "content-type": "application/json; charset=latin1" },
    );
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe("SA_ERR_SERVE_BAD_CHARSET");
  });

  it("rejects non-JSON content types with 415", async () => {
    const res = await postJson(t.app, "/v1/predict", "text=good", { "content-type": "text/plain" });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe("SA_ERR_SERVE_UNSUPPORTED_MEDIA_TYPE");
  });

  it("rejects bodies over the limit with 413", async () => {
    const res = await postJson(t.app, "/v1/predict", {
      texts: Array(8).fill("x".repeat(1999)),
      pad: "y".repeat(60_000),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe("SA_ERR_SERVE_BODY_TOO_LARGE");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      code: "SA_ERR_SERVE_NOT_FOUND",
      message: expect.stringMatching(/\/docs/),
    });
  });

  it("never answers 500 to arbitrary bodies (fuzz)", async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = [
      '{"text":',
      '"good"',
      "[",
      "]",
      "{",
      "}",
      ",",
      '"texts":',
      "null",
      "1e999",
      '"\\u0000"',
      '"\\ud800"',
      "\xff",
      "true",
      ":",
    ];
    for (let i = 0; i < 300; i++) {
      const n = 1 + Math.floor(rand() * 8);
      const body = Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
      const res = await postJson(t.app, "/v1/predict", Buffer.from(body, "latin1"));
      expect(res.statusCode, body).toBeLessThan(500);
      expect(res.json().code ?? res.json().label, body).toBeDefined();
    }
  });
});

describe("POST /v1/explain", () => {
  it("returns exact per-token contributions with offsets into the cleaned text", async () => {
    const text = "<p>Not bad at all. Tom &amp; Jerry were <b>wonderful</b>!</p>";
    const res = await postJson(t.app, "/v1/explain", { text });
    expect(res.statusCode).toBe(200);
    const e = res.json();
    expect(e.text).not.toMatch(/<b>|&amp;/); // offsets refer to the cleaned text, which the response returns
    expect(e.tokens.length).toBeGreaterThan(3);
    for (const tok of e.tokens) {
      expect(tok.start).toBeGreaterThanOrEqual(0);
      expect(tok.end).toBeGreaterThan(tok.start);
      expect(tok.end).toBeLessThanOrEqual(e.text.length);
    }
    const wonderful = e.tokens.find((tok: { token: string }) => tok.token === "wonderful");
    expect(e.text.slice(wonderful.start, wonderful.end)).toBe("wonderful");
    expect(wonderful.contribution).toBeGreaterThan(0);
    expect(e.method).toBe("exact");
    const sum = e.tokens.reduce((s: number, tok: { contribution: number }) => s + tok.contribution, e.bias);
    expect(sum).toBeCloseTo(e.logit, 6);
    expect(e.prediction.label).toMatch(/^(positive|negative)$/);
    expect(e.model.id).toBe("default");
    expect(e.features.length).toBeLessThanOrEqual(25);
  });

  it("rejects a missing text", async () => {
    const res = await postJson(t.app, "/v1/explain", { texts: ["a"] });
    expect(res.statusCode).toBe(400);
  });
});
