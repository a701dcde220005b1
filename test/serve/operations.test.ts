// Probes, metrics, OpenAPI docs, the static UI, API key, rate limit, CORS, settings, and logs that
// never contain review text.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv, resolveServeConfig } from "../../src/serve/config.ts";
import { POSITIVE_REVIEW, postJson, type TestApp, testApp } from "./helpers.ts";

describe("probes, metrics, docs and UI", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(() => t.close());

  it("answers /healthz and /readyz with the model", async () => {
    expect((await t.app.inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    const ready = (await t.app.inject({ url: "/readyz" })).json();
    expect(ready).toMatchObject({ status: "ready", model: { id: "default", family: "nblr" } });
  });

  it("exports Prometheus metrics: requests, latency histogram, predictions by label, active model", async () => {
    await postJson(t.app, "/v1/predict", {
      texts: [POSITIVE_REVIEW, POSITIVE_REVIEW, "Awful, boring and bad."],
    });
    await postJson(t.app, "/v1/predict", { text: 5 });
    const res = await t.app.inject({ url: "/metrics" });
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const m = res.body;
    expect(m).toMatch(/sentiment_http_requests_total\{method="POST",route="\/v1\/predict",status="200"\} 1/);
    expect(m).toMatch(/sentiment_http_requests_total\{method="POST",route="\/v1\/predict",status="400"\} 1/);
    expect(m).toMatch(
      /sentiment_http_request_duration_seconds_bucket\{le="0.025",method="POST",route="\/v1\/predict"\} \d/,
    );
    expect(m).toMatch(/sentiment_predictions_total\{label="positive"\} 2/);
    expect(m).toMatch(/sentiment_predictions_total\{label="negative"\} 1/);
    expect(m).toMatch(
      /sentiment_active_model_info\{id="default",version="[0-9a-f]{12}",family="nblr",model_id="[^"]+"\} 1/,
    );
    expect(m).toMatch(/sentiment_process_resident_memory_bytes \d+/);
  });

  it("publishes an OpenAPI document covering every route, and the docs UI", async () => {
    const spec = (await t.app.inject({ url: "/docs/json" })).json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of [
      "/v1/predict",
      "/v1/explain",
      "/v1/predict/file",
      "/v1/models",
      "/v1/models/{id}/activate",
      "/v1/feedback",
      "/healthz",
      "/readyz",
      "/metrics",
    ]) {
      expect(spec.paths[path], path).toBeDefined();
    }
    expect(spec.components.schemas.ModelRef).toBeDefined();
    expect(
      spec.paths["/v1/predict"].post.requestBody.content["application/json"].schema.properties.texts.maxItems,
    ).toBe(256);
    const docs = await t.app.inject({ url: "/docs/" });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toMatch(/swagger/i);
  });

  it("serves the web UI from the same origin, without CDN references", async () => {
    const page = await t.app.inject({ url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<textarea[^>]+id="review-text"/);
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const file of [
      "/app.js",
      "/api.js",
      "/analyze.js",
      "/batch.js",
      "/model.js",
      "/highlight.js",
      "/styles.css",
    ]) {
      const res = await t.app.inject({ url: file });
      expect(res.statusCode, file).toBe(200);
      expect(res.body, file).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect(res.body, file).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|document\.write/);
    }
  });

  it("has no CORS headers by default", async () => {
    const res = await postJson(t.app, "/v1/predict", { text: "good" }, { origin: "https://example.org" });
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("API key, rate limit, CORS when configured", () => {
  it("requires the API key on /v1 but not on probes", async () => {
    const t = await testApp({ apiKey: "s3cret-key" });
    try {
      const none = await postJson(t.app, "/v1/predict", { text: "good" });
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe("SA_ERR_SERVE_UNAUTHORIZED");
      expect(
        (await postJson(t.app, "/v1/predict", { text: "good" }, { "x-api-key": "wrong" })).statusCode,
      ).toBe(401);
      expect(
        (await postJson(t.app, "/v1/predict", { text: "good" }, { "x-api-key": "s3cret-key" })).statusCode,
      ).toBe(200);
      expect(
        (await postJson(t.app, "/v1/predict", { text: "good" }, { authorization: "Bearer s3cret-key" }))
          .statusCode,
      ).toBe(200);
      expect((await t.app.inject({ url: "/v1/models" })).statusCode).toBe(401);
      expect((await t.app.inject({ url: "/healthz" })).statusCode).toBe(200);
      expect((await t.app.inject({ url: "/" })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("rate-limits /v1 per client with a 429 JSON error", async () => {
    const t = await testApp({ rateLimit: 3 });
    try {
      const codes = [];
      for (let i = 0; i < 5; i++)
        codes.push((await postJson(t.app, "/v1/predict", { text: "good" })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const limited = await postJson(t.app, "/v1/predict", { text: "good" });
      expect(limited.json()).toMatchObject({ statusCode: 429, code: "SA_ERR_SERVE_RATE_LIMITED" });
      expect(limited.json().message).toMatch(/3 requests per 1 minute/);
      expect((await t.app.inject({ url: "/healthz" })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("allows only the configured CORS origins", async () => {
    const t = await testApp({ corsOrigins: ["https://app.example"] });
    try {
      const ok = await postJson(t.app, "/v1/predict", { text: "good" }, { origin: "https://app.example" });
      expect(ok.headers["access-control-allow-origin"]).toBe("https://app.example");
      const other = await postJson(
        t.app,
        "/v1/predict",
        { text: "good" },
        { origin: "https://evil.example" },
      );
      expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe("logging", () => {
  it("logs requests and errors but never the review text or the API key", async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const marker = "zebracorn-marker-7731";
    const t = await testApp({ apiKey: "key-marker-5512" }, { level: "trace", stream });
    try {
      const key = { "x-api-key": "key-marker-5512" };
      await postJson(t.app, "/v1/predict", { text: `${marker} was great` }, key);
      await postJson(t.app, "/v1/explain", { text: `${marker} was awful` }, key);
      await postJson(t.app, "/v1/predict", `{"text": "${marker}",`, key); // invalid JSON: parsers quote the body
      await postJson(t.app, "/v1/predict", { text: `${marker}`, extra: marker }, key);
      await postJson(t.app, "/v1/feedback", { text: marker, predicted: "positive", label: "negative" }, key);
      await postJson(t.app, "/v1/predict", { text: marker }, { "x-api-key": marker });
    } finally {
      await t.close();
    }
    const log = lines.join("");
    expect(lines.length).toBeGreaterThan(10);
    expect(log).toMatch(/"url":"\/v1\/predict"/);
    expect(log).toMatch(/SA_ERR_SERVE_INVALID_JSON/);
    expect(log).not.toContain(marker);
    expect(log).not.toContain("key-marker-5512");
  });
});

describe("settings", () => {
  it("reads the environment and validates it, naming the variable", () => {
    const config = resolveServeConfig(
      configFromEnv({
        HOST: "0.0.0.0",
        PORT: "9000",
        SENTIMENT_CORS_ORIGINS: "https://a, https://b",
        SENTIMENT_RATE_LIMIT: "",
      }),
    );
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 9000,
      corsOrigins: ["https://a", "https://b"],
      rateLimit: 0,
    });
    expect(resolveServeConfig({}).port).toBe(8080);
    expect(resolveServeConfig({}).host).toBe("127.0.0.1");
    expect(() => resolveServeConfig(configFromEnv({ PORT: "eighty" }))).toThrow(
      /invalid server setting "port" \(env PORT\)/,
    );
    expect(() => resolveServeConfig(configFromEnv({ LOG_LEVEL: "loud" }))).toThrow(/env LOG_LEVEL/);
  });
});
