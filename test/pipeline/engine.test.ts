import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type PipelineEvent, runPipeline, type StepDefinition } from "../../src/pipeline/engine.ts";
import { canonicalJson } from "../../src/pipeline/hash.ts";
import { DataError } from "../../src/util/errors.ts";
import { tempDir } from "../track/helpers.ts";

/** Three small real steps: write text, count words, report the most frequent word. */
function steps(calls: string[], opts: { failCount?: boolean } = {}): StepDefinition[] {
  return [
    {
      name: "source",
      inputs: [],
      code: ["src/pipeline/engine.ts"],
      async run(ctx) {
        calls.push("source");
        const { text } = ctx.config as { text: string };
        await writeFile(join(ctx.outDir, "text.txt"), text);
        return { chars: text.length };
      },
    },
    {
      name: "count",
      inputs: ["source"],
      code: ["src/pipeline/hash.ts"],
      async run(ctx) {
        calls.push("count");
        if (opts.failCount) throw new DataError("word list is corrupt");
        const text = await readFile(join(ctx.inputs.source.dir, "text.txt"), "utf8");
        const counts: Record<string, number> = {};
        for (const w of text.split(/\s+/).filter(Boolean)) counts[w] = (counts[w] ?? 0) + 1;
        await writeFile(join(ctx.outDir, "counts.json"), JSON.stringify(counts));
        ctx.log(`${Object.keys(counts).length} distinct words`);
        return { distinct: Object.keys(counts).length };
      },
    },
    {
      name: "top",
      inputs: ["count"],
      code: ["src/pipeline/cache.ts"],
      async run(ctx) {
        calls.push("top");
        const counts = JSON.parse(
          await readFile(join(ctx.inputs.count.dir, "counts.json"), "utf8"),
        ) as Record<string, number>;
        const top = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
        return { top, distinctUpstream: ctx.inputs.count.summary.distinct };
      },
    },
  ];
}

describe("pipeline engine", () => {
  it("runs steps in order, then serves every step from the cache", async () => {
    const cacheDir = tempDir("cache-");
    const calls: string[] = [];
    const config = { source: { text: "a b a c a b" } };
    const first = await runPipeline({ steps: steps(calls), config, cacheDir });
    expect(calls).toEqual(["source", "count", "top"]);
    expect(first.map((r) => r.cached)).toEqual([false, false, false]);
    expect(first[2].summary).toEqual({ top: "a", distinctUpstream: 3 });
    expect(first[1].inputs).toEqual({ source: first[0].key });

    const events: PipelineEvent[] = [];
    const second = await runPipeline({
      steps: steps(calls),
      config,
      cacheDir,
      onEvent: (e) => events.push(e),
    });
    expect(calls).toHaveLength(3); // nothing re-ran
    expect(second.map((r) => r.cached)).toEqual([true, true, true]);
    expect(second.map((r) => r.key)).toEqual(first.map((r) => r.key));
    expect(events.map((e) => e.type)).toEqual(["hit", "hit", "hit"]);
  });

  it("re-runs a step and everything downstream when its config changes, and only those", async () => {
    const cacheDir = tempDir("cache-");
    const calls: string[] = [];
    await runPipeline({ steps: steps(calls), config: { source: { text: "x y" } }, cacheDir });
    calls.length = 0;
    // Same text, different key order in the config object: same canonical config, all cached.
    await runPipeline({ steps: steps(calls), config: { source: { text: "x y" }, count: {} }, cacheDir });
    expect(calls).toEqual([]);
    await runPipeline({ steps: steps(calls), config: { source: { text: "x y y" } }, cacheDir });
    expect(calls).toEqual(["source", "count", "top"]);
    calls.length = 0;
    await runPipeline({
      steps: steps(calls),
      config: { source: { text: "x y y" }, top: { n: 2 } },
      cacheDir,
    });
    expect(calls).toEqual(["top"]);
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it("stops at a failing step with a readable error, keeps completed steps, and resumes", async () => {
    const cacheDir = tempDir("cache-");
    const calls: string[] = [];
    const config = { source: { text: "p q p" } };
    const failing = runPipeline({ steps: steps(calls, { failCount: true }), config, cacheDir });
    await expect(failing).rejects.toThrow('pipeline step "count" failed: word list is corrupt');
    await expect(failing).rejects.toMatchObject({ exitCode: 3, step: "count" });
    // No half-written output of the failed step is left anywhere in the cache.
    expect(readdirSync(join(cacheDir, "count"))).toEqual([]);
    calls.length = 0;
    const resumed = await runPipeline({ steps: steps(calls), config, cacheDir });
    expect(calls).toEqual(["count", "top"]);
    expect(resumed.map((r) => r.cached)).toEqual([true, false, false]);
  });

  it("detects a damaged cache entry and recomputes it", async () => {
    const cacheDir = tempDir("cache-");
    const calls: string[] = [];
    const config = { source: { text: "m n" } };
    const [src] = await runPipeline({ steps: steps(calls), config, cacheDir });
    writeFileSync(join(src.dir, "text.txt"), "tampered");
    calls.length = 0;
    const again = await runPipeline({ steps: steps(calls), config, cacheDir });
    expect(calls).toEqual(["source"]); // downstream keys are unchanged, so they stay cached
    expect(readFileSync(join(again[0].dir, "text.txt"), "utf8")).toBe("m n");
  });

  it("always runs steps marked cache: false, and rejects bad wiring before running anything", async () => {
    const cacheDir = tempDir("cache-");
    const calls: string[] = [];
    const s = steps(calls);
    s[2] = { ...s[2], cache: false };
    await runPipeline({ steps: s, config: { source: { text: "k" } }, cacheDir });
    await runPipeline({ steps: s, config: { source: { text: "k" } }, cacheDir });
    expect(calls).toEqual(["source", "count", "top", "top"]);
    const bad = [s[1], s[0]];
    await expect(runPipeline({ steps: bad, config: {}, cacheDir })).rejects.toThrow(
      /"count" reads "source", which is not an earlier step/,
    );
    await expect(
      runPipeline({ steps: [{ ...s[0], code: ["src/nope.ts"] }], config: {}, cacheDir }),
    ).rejects.toThrow(/code path src\/nope.ts does not exist/);
    expect(existsSync(cacheDir)).toBe(true);
  });
});
