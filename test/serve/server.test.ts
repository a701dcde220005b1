// The real process: `sentiment serve` start-up errors, and graceful SIGTERM shutdown that lets an
// in-flight request finish.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./helpers.ts";

const BIN = join(PROJECT_ROOT, "bin", "sentiment.mjs");
const home = mkdtempSync(join(tmpdir(), "sentiment-server-test-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    cwd: home,
    env: {
      ...process.env,
      SENTIMENT_HOME: join(home, "data"),
      LOG_LEVEL: "info",
      SENTIMENT_REGISTRY: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.on("data", (d) => stdout.push(d.toString()));
  child.stderr?.on("data", (d) => stderr.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout, stderr, exit };
}

async function waitFor(run: Run, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const start = Date.now();
  for (;;) {
    const m = run.stdout.join("").match(pattern);
    if (m) return m;
    if (Date.now() - start > timeoutMs || run.child.exitCode !== null) {
      throw new Error(`no ${pattern} in output:\n${run.stdout.join("")}\n${run.stderr.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Child processes compile and load the model; allow for a busy 2-core CI machine.
const PROCESS_TEST_TIMEOUT = 180_000;

describe("sentiment serve (process)", () => {
  it(
    "fails start-up with a clear message and exit code 4 when the model is missing or corrupt",
    async () => {
      const missing = serve([], { SENTIMENT_MODEL: join(home, "nope.sentiment") });
      expect(await missing.exit).toBe(4);
      expect(missing.stderr.join("")).toMatch(
        /error: cannot serve model ".*nope\.sentiment": model not found/,
      );

      const corrupt = join(home, "corrupt.sentiment");
      writeFileSync(corrupt, Buffer.concat([Buffer.from("SENTMODL"), Buffer.alloc(100, 7)]));
      const bad = serve(["--model", corrupt]);
      expect(await bad.exit).toBe(4);
      expect(bad.stderr.join("")).toMatch(/cannot serve model .*corrupt/);
    },
    PROCESS_TEST_TIMEOUT,
  );

  it(
    "rejects an invalid PORT before loading anything",
    async () => {
      const run = serve([], { PORT: "http" });
      expect(await run.exit).toBe(2);
      expect(run.stderr.join("")).toMatch(/invalid server setting "port" \(env PORT\)/);
    },
    PROCESS_TEST_TIMEOUT,
  );

  it(
    "on SIGTERM finishes the in-flight request, refuses new ones, and exits 0",
    async () => {
      const run = serve(["--port", "0"]);
      const [, url] = await waitFor(run, /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*sentiment service ready/);
      const port = Number(new URL(url).port);

      // Start an upload, send half of it, then SIGTERM while the request is in flight.
      const rows = Array.from(
        { length: 400 },
        (_, i) => `${i},"A fine film, number ${i}, with good acting."`,
      );
      const csv = `id,text\n${rows.join("\n")}\n`;
      const half = Math.floor(csv.length / 2);
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/v1/predict/file",
            headers: { "content-type": "text/csv" },
          },
          (res) => {
            let body = "";
            res.on("data", (d) => {
              body += d;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.write(csv.slice(0, half));
        setTimeout(async () => {
          run.child.kill("SIGTERM");
          await waitFor(run, /shutting down: finishing in-flight requests/);
          req.end(csv.slice(half));
        }, 300);
      });
      const { status, body } = await response;
      expect(status).toBe(200);
      expect(body.trim().split("\n")).toHaveLength(401);
      expect(await run.exit).toBe(0);
      expect(run.stdout.join("")).toMatch(/shut down cleanly/);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    },
    PROCESS_TEST_TIMEOUT,
  );

  it(
    "reports a port that is already taken",
    async () => {
      const first = serve(["--port", "0"]);
      const [, url] = await waitFor(
        first,
        /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*sentiment service ready/,
      );
      const second = serve(["--port", new URL(url).port]);
      expect(await second.exit).toBe(2);
      expect(second.stderr.join("")).toMatch(/port \d+ on 127\.0\.0\.1 is already in use/);
      first.child.kill("SIGTERM");
      expect(await first.exit).toBe(0);
    },
    PROCESS_TEST_TIMEOUT,
  );
});
