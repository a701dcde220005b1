// The Dockerfile and docker-compose.yml cannot be built here (no Docker engine), so they are checked by
// construction: every file the image copies exists and is not excluded by .dockerignore, the runtime
// stage is non-root with a HEALTHCHECK on /readyz and the bundled model, and compose matches the image.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT } from "./helpers.ts";

const dockerfile = readFileSync(join(PROJECT_ROOT, "Dockerfile"), "utf8");
const ignore = readFileSync(join(PROJECT_ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

/** Instructions with continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

function ignored(path: string): boolean {
  return ignore.some((pattern) => {
    const p = pattern.replace(/^\*\*\//, "");
    const re = new RegExp(`^(.*/)?${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/.*)?$`);
    return re.test(path);
  });
}

describe("Dockerfile", () => {
  const steps = instructions(dockerfile);
  const stages = steps.filter((s) => s.op === "FROM");
  const runtimeStart = steps.lastIndexOf(stages[stages.length - 1]);
  const runtime = steps.slice(runtimeStart);

  it("is multi-stage, with a pinned base image tag (never latest)", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.args).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/);
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=20$/m);
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const copies = runtime.filter((s) => s.op === "COPY" && !s.args.includes("--from="));
    expect(copies.length).toBeGreaterThan(3);
    for (const c of copies) {
      const parts = c.args.split(/\s+/).filter((a) => !a.startsWith("--"));
      for (const src of parts.slice(0, -1)) {
        expect(existsSync(join(PROJECT_ROOT, src)), src).toBe(true);
        expect(ignored(src), `${src} is excluded by .dockerignore`).toBe(false);
      }
    }
    for (const needed of [
      "models/default.sentiment",
      "bin/sentiment.mjs",
      "src/serve/app.ts",
      "web/index.html",
    ]) {
      expect(ignored(needed), needed).toBe(false);
    }
    for (const excluded of [
      "node_modules",
      ".git",
      "test-results",
      ".sentiment",
      "scratch",
      "packages/torch/build",
    ]) {
      expect(ignored(excluded), excluded).toBe(true);
    }
  });

  it("runs the server as the unprivileged node user with a readiness HEALTHCHECK and the bundled model", () => {
    const user = runtime.filter((s) => s.op === "USER");
    expect(user.map((u) => u.args)).toEqual(["node"]);
    const cmd = runtime.find((s) => s.op === "CMD");
    expect(JSON.parse(cmd?.args ?? "null")).toEqual(["node", "bin/sentiment.mjs", "serve"]);
    const health = runtime.find((s) => s.op === "HEALTHCHECK");
    expect(health?.args).toMatch(/CMD \["node", "-e", ".*\/readyz/);
    expect(runtime.some((s) => s.op === "COPY" && /^--chown=root:root models /.test(s.args))).toBe(true);
    expect(runtime.some((s) => s.op === "ENV" && /HOST=0\.0\.0\.0/.test(s.args))).toBe(true);
    expect(runtime.some((s) => s.op === "EXPOSE" && s.args === "8080")).toBe(true);
    // npm ci without scripts, then only the native addon the service needs.
    expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(dockerfile).toMatch(/npm rebuild better-sqlite3/);
  });

  it("installs production dependencies only: everything the service imports is a dependency", () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
    const served = [
      "fastify",
      "@fastify/multipart",
      "@fastify/static",
      "@fastify/swagger",
      "@fastify/swagger-ui",
      "@fastify/rate-limit",
      "@fastify/cors",
      "better-sqlite3",
      "prom-client",
      "csv-parse",
      "csv-stringify",
      "zod",
      "tsx",
      "commander",
    ];
    for (const dep of served) expect(pkg.dependencies[dep], dep).toBeDefined();
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(readFileSync(join(PROJECT_ROOT, "docker-compose.yml"), "utf8"));
  const svc = compose.services.sentiment;

  it("builds this Dockerfile, publishes 8080 on loopback and keeps feedback in a volume", () => {
    expect(svc.build).toBe(".");
    expect(svc.ports).toEqual(["127.0.0.1:8080:8080"]);
    expect(svc.volumes).toContain("sentiment-data:/data");
    expect(compose.volumes).toHaveProperty("sentiment-data");
    expect(svc.read_only).toBe(true);
    expect(svc.tmpfs).toContain("/tmp"); // tsx caches compiled sources in the temp dir
    expect(svc.init).toBe(true);
  });

  it("only sets environment variables the server reads", async () => {
    const { ENV_KEYS } = await import("../../src/serve/config.ts");
    for (const name of Object.keys(svc.environment ?? {}))
      expect(Object.keys(ENV_KEYS), name).toContain(name);
  });
});
