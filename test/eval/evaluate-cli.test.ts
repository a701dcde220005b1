// `sentiment evaluate` end to end with the real bundled model, on small data sets the test writes.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalReport } from "../../src/eval/types.ts";
import { DEFAULT_MODEL_PATH } from "../../src/models/registry.ts";
import { describeModelPath } from "../../src/serve/modelSource.ts";
import { type ImdbFixture, makeImdbFixture, makeTempDir } from "../helpers/fixtures.ts";

const BIN = resolve(import.meta.dirname, "../../bin/sentiment.mjs");

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "evaluate", ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const POSITIVE = [
  "A wonderful, moving film with brilliant acting. I loved every minute of it.",
  "One of the best movies of the year: superb cast, great script, beautiful music.",
  "Funny, warm and clever. A delight from start to finish; highly recommended.",
  "An excellent story, perfectly told. The performances are outstanding.",
];
const NEGATIVE = [
  "A boring, badly acted mess. The worst film I have seen in years.",
  "Awful script, terrible effects and a plot that makes no sense. Avoid.",
  "Dull and far too long. I nearly fell asleep; a complete waste of time.",
  "The dialogue is painful and the acting is wooden. Simply dreadful.",
];

describe.skipIf(!existsSync(DEFAULT_MODEL_PATH))("sentiment evaluate (bundled model)", () => {
  let tmp: { dir: string; cleanup(): void };
  let imdb: ImdbFixture;
  let jsonl: string;

  beforeAll(async () => {
    tmp = makeTempDir("eval-cli-");
    imdb = await makeImdbFixture(join(tmp.dir, "imdb"), { extraPerFolder: 30 });
    jsonl = join(tmp.dir, "reviews.jsonl");
    const rows = [
      ...POSITIVE.map((text) => ({ text, label: "positive" })),
      ...NEGATIVE.map((text) => ({ text, label: "negative" })),
      { text: "An unlabeled line is counted, not scored." },
    ];
    writeFileSync(jsonl, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  });
  afterAll(() => tmp?.cleanup());

  it("evaluates an aclImdb archive, prints one JSON object and writes the three reports", () => {
    const out = join(tmp.dir, "report");
    const r = cli(["--data", imdb.tarGz, "--out", out, "--json"]);
    expect(r.code).toBe(0);
    // The fixture's empty test review is reported, not silently dropped.
    expect(r.stderr).toMatch(/1 row of .* could not be used:\n.*test\/neg\/2_3\.txt: empty review/);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]);
    const labeledTest = imdb.expected.test.filter((x) => x.label !== undefined).length;
    expect(summary.metrics.n).toBe(labeledTest);
    expect(summary.model.family).toBe("nblr");
    expect(summary.dataset.split).toBe("test");
    expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(summary.robustness)).toContain("perturb:all-caps");

    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as EvalReport;
    expect(report.n).toBe(labeledTest);
    expect(report.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.metrics.accuracy.value).toBe(summary.metrics.accuracy);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(5);
    // Self-contained: no scripts, no external loads (the only URL is the SVG namespace).
    expect(html).not.toMatch(/<script|<link|\s(src|href)=/i);
    expect(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, "")).not.toMatch(/https?:\/\//);
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("| Accuracy |");
    expect(existsSync(join(out, "plots", "roc.svg"))).toBe(true);
  });

  it("evaluates a JSONL file and gets clear-cut reviews right", () => {
    const r = cli(["--data", jsonl, "--json", "--no-robustness"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.metrics.n).toBe(8);
    expect(summary.dataset.skipped).toBe(1);
    expect(r.stderr).toMatch(/1 row of .*reviews\.jsonl could not be used:\n {2}9: empty label/);
    expect(summary.robustness).toBeUndefined();
    // Eight unambiguous reviews: a model that deserves to be bundled gets at least 7 right.
    expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(7 / 8);
  });

  it("prints a readable summary by default", () => {
    const r = cli(["--data", jsonl, "--no-robustness", "--quiet"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const loud = cli(["--data", jsonl, "--no-robustness"]);
    expect(loud.code).toBe(0);
    expect(loud.stdout).toMatch(/accuracy\s+\d+\.\d\d% {2}\(95% CI/);
  });

  it("--attach writes the report where the server's Model tab looks for it", async () => {
    const modelPath = join(tmp.dir, "mini.sentiment");
    copyFileSync(DEFAULT_MODEL_PATH, modelPath);
    const r = cli(["--model", modelPath, "--data", jsonl, "--attach", "--json", "--no-robustness"]);
    expect(r.code).toBe(0);
    const attached = join(tmp.dir, "mini.report.json");
    expect(JSON.parse(r.stdout).attached).toBe(attached);
    const report = JSON.parse(readFileSync(attached, "utf8")) as EvalReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.n).toBe(8);
    expect((await describeModelPath("mini", modelPath)).reportPath).toBe(attached);
  });

  it("fails with clear messages and the documented exit codes", () => {
    const split = cli(["--data", imdb.tarGz, "--split", "unsup"]);
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/--split must be "test" or "train"/);
    const missing = cli(["--data", join(tmp.dir, "nope.csv")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/not found/);
    const unlabeled = join(tmp.dir, "unlabeled.csv");
    writeFileSync(unlabeled, "text\nGreat film\nBad film\n");
    const nolabel = cli(["--data", unlabeled]);
    expect(nolabel.code).toBe(3);
    expect(nolabel.stderr).toMatch(/none of the 2 reviews .* has a label/);
    const badModel = cli(["--data", jsonl, "--model", jsonl]);
    expect(badModel.code).toBe(4);
    const badLimit = cli(["--data", jsonl, "--limit", "0"]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--limit must be a positive integer/);
  });
});
