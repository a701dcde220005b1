// `npm run bench:serve`: load test of the HTTP service on loopback. Starts `sentiment serve` (the bundled
// model, default settings) as a child process, drives it with autocannon from this process, and writes
// throughput, latency percentiles, errors and the server's RSS to the bench:serve section of BENCHMARKS.md.
//
//   BENCH_DURATION=30 (seconds per scenario, max 30)   BENCH_CONNECTIONS=10   BENCH_NO_WRITE=1 (print only)
//
// Reviews are real IMDb train reviews (a seeded sample) when the archive is available, so request
// sizes and model cost match production; otherwise generated reviews of IMDb-like length.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import autocannon, { type Result } from "autocannon";
import { readImdb } from "../src/data/imdb.ts";
import { dataCandidates } from "../src/data/paths.ts";
import { PROJECT_ROOT } from "../src/models/registry.ts";
import { writeFileAtomic } from "../src/util/atomic.ts";

const DURATION = Math.min(30, Number(process.env.BENCH_DURATION ?? 30));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WARMUP_SECONDS = 5;
const SAMPLE = 2000;
const MARK_START = "<!-- bench:serve -->";
const MARK_END = "<!-- /bench:serve -->";
const TARGETS = { singlePerSecond: 2000, p99Ms: 25 };

function seededShuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

async function loadReviews(): Promise<{ texts: string[]; source: string }> {
  const archive = dataCandidates().find((p) => existsSync(p));
  if (archive) {
    const data = await readImdb(archive, { splits: ["train"] });
    const texts = seededShuffle(
      data.train.map((r) => r.text),
      42,
    ).slice(0, SAMPLE);
    return { texts, source: `${SAMPLE} IMDb train reviews (seeded sample)` };
  }
  const words =
    "the film was good bad great awful acting plot story boring moving funny not very really".split(" ");
  const texts = Array.from({ length: SAMPLE }, (_, i) =>
    Array.from({ length: 230 }, (_, k) => words[(i * 7 + k * 13) % words.length]).join(" "),
  );
  return { texts, source: `${SAMPLE} generated 230-word reviews (IMDb archive not found)` };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function waitReady(
  base: string,
  timeoutMs = 60_000,
): Promise<{ id: string; version: string; modelId: string }> {
  const start = Date.now();
  for (;;) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return (await res.json()).model;
    } catch {
      // not listening yet
    }
    if (Date.now() - start > timeoutMs) throw new Error("server did not become ready");
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ScenarioResult {
  name: string;
  requestsPerSecond: number;
  predictionsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  errors: number;
  non2xx: number;
  rss: number[];
}

async function scenario(
  name: string,
  base: string,
  pid: number,
  duration: number,
  body: () => string,
  perRequest: number,
): Promise<ScenarioResult> {
  const rss: number[] = [rssMiB(pid)];
  const sampler = setInterval(() => rss.push(rssMiB(pid)), 5000);
  let result: Result;
  try {
    result = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration,
      timeout: 10,
      requests: [
        {
          method: "POST",
          path: "/v1/predict",
          headers: { "content-type": "application/json" },
          setupRequest: (req) => ({ ...req, body: body() }),
        },
      ],
    });
  } finally {
    clearInterval(sampler);
  }
  rss.push(rssMiB(pid));
  const requests = result.requests.total;
  return {
    name,
    requestsPerSecond: requests / result.duration,
    predictionsPerSecond: (requests * perRequest) / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requests,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rss,
  };
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: PROJECT_ROOT }).toString().trim();
  } catch {
    return "unknown";
  }
}

const fmt = (x: number, d = 1) => x.toFixed(d);

async function main(): Promise<void> {
  const { texts, source } = await loadReviews();
  const meanChars = texts.reduce((s, t) => s + t.length, 0) / texts.length;
  let i = 0;
  const nextText = () => texts[i++ % texts.length];
  const single = () => JSON.stringify({ text: nextText() });
  const batch = () => JSON.stringify({ texts: Array.from({ length: 32 }, nextText) });

  const loadBefore = loadavg()[0];
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [join(PROJECT_ROOT, "bin", "sentiment.mjs"), "serve", "--port", String(port)],
    {
      cwd: PROJECT_ROOT,
      // Default settings (info-level request logs included), as `npm start` runs it; logs are discarded.
      // The bundled model, whatever the registry holds.
      env: {
        ...process.env,
        SENTIMENT_HOME: join(PROJECT_ROOT, ".sentiment", "bench"),
        SENTIMENT_REGISTRY: "off",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const pid = child.pid as number;
  try {
    const model = await waitReady(base);
    const rssStart = rssMiB(pid);
    process.stderr.write(
      `server pid ${pid} ready (${model.id} ${model.version}); warming up ${WARMUP_SECONDS}s\n`,
    );
    await scenario("warm-up", base, pid, WARMUP_SECONDS, single, 1);
    const results: ScenarioResult[] = [];
    for (const [name, body, n] of [
      ["single review per request", single, 1],
      ["batch of 32 per request", batch, 32],
    ] as const) {
      process.stderr.write(`${name}: ${DURATION}s, ${CONNECTIONS} connections\n`);
      const r = await scenario(name, base, pid, DURATION, body, n);
      results.push(r);
      process.stderr.write(
        `  ${fmt(r.requestsPerSecond, 0)} req/s, ${fmt(r.predictionsPerSecond, 0)} predictions/s, ` +
          `p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}, ` +
          `RSS ${fmt(r.rss[0])} -> ${fmt(r.rss[r.rss.length - 1])} MiB\n`,
      );
    }
    const rssEnd = rssMiB(pid);
    const loadAfter = loadavg()[0];
    const s = results[0];
    const pass = {
      throughput: s.predictionsPerSecond >= TARGETS.singlePerSecond,
      p99: s.p99 <= TARGETS.p99Ms,
      errors: results.every((r) => r.errors === 0 && r.non2xx === 0),
    };
    const section = [
      MARK_START,
      "## REST API (`npm run bench:serve`)",
      "",
      `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC at commit ${gitCommit()} on this machine ` +
        `(${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, Node ${process.version}, shared with other jobs). ` +
        `One \`sentiment serve\` process (default settings: info-level request logs, metrics on) serving the bundled ` +
        `model \`${model.id}\` (version ${model.version}); autocannon in a second process on loopback, ` +
        `${CONNECTIONS} connections, ${DURATION} s per scenario after a ${WARMUP_SECONDS} s warm-up. ` +
        `Request bodies: ${source}, mean ${Math.round(meanChars)} characters.`,
      "",
      "| Scenario | Requests/s | Predictions/s | p50 ms | p90 ms | p99 ms | max ms | Requests | Errors | Non-2xx | Server RSS start → end (MiB) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
      ...results.map(
        (r) =>
          `| ${r.name} | ${fmt(r.requestsPerSecond, 0)} | ${fmt(r.predictionsPerSecond, 0)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.requests} | ${r.errors} | ${r.non2xx} | ${fmt(r.rss[0])} → ${fmt(r.rss[r.rss.length - 1])} (samples: ${r.rss.map((x) => fmt(x, 0)).join(", ")}) |`,
      ),
      "",
      `Server RSS: ${fmt(rssStart)} MiB after start-up, ${fmt(rssEnd)} MiB after both scenarios. ` +
        `Machine load average (1 min): ${fmt(loadBefore)} before, ${fmt(loadAfter)} after (2 cores; above 2 means ` +
        "other jobs were competing for the CPU).",
      "",
      `Targets (single predictions): ≥ ${TARGETS.singlePerSecond}/s — ${pass.throughput ? "met" : "**missed**"}; ` +
        `p99 ≤ ${TARGETS.p99Ms} ms — ${pass.p99 ? "met" : "**missed**"}; zero errors — ${pass.errors ? "met" : "**missed**"}.`,
      "",
      "Reproduce: `npm run bench:serve` (`BENCH_DURATION`, `BENCH_CONNECTIONS` to vary; `BENCH_NO_WRITE=1` prints only).",
      MARK_END,
    ].join("\n");
    process.stdout.write(`${section}\n`);
    if (!process.env.BENCH_NO_WRITE) await writeSection(section);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

/** Replace our section of BENCHMARKS.md (between the markers), or append it; other sections stay as they are. */
async function writeSection(section: string): Promise<void> {
  const path = join(PROJECT_ROOT, "BENCHMARKS.md");
  const current = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  const start = current.indexOf(MARK_START);
  const end = current.indexOf(MARK_END);
  const next =
    start !== -1 && end > start
      ? current.slice(0, start) + section + current.slice(end + MARK_END.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  await writeFileAtomic(path, next);
  process.stderr.write(`wrote the bench:serve section of ${path}\n`);
}

await main();
