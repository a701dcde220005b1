// `sentiment pipeline run [pipeline.yaml]`: the cached, resumable training pipeline (see src/pipeline).
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadPipelineConfig } from "../../pipeline/config.ts";
import type { PipelineEvent } from "../../pipeline/engine.ts";
import { runImdbPipeline } from "../../pipeline/imdbPipeline.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  const pipeline = program.command("pipeline").description("Cached, resumable training pipeline");
  pipeline
    .command("run [file]")
    .description(
      "ingest -> validate -> preprocess -> split -> train -> evaluate -> compare with production -> register/promote -> notify",
    )
    .option("--set <key=value>", "override a config value, e.g. --set train.seed=3 (repeatable)", collect, [])
    .option("--json", "print a JSON summary on stdout")
    .option("--quiet", "no progress output")
    .action(async (file: string | undefined, opts) => {
      const path = resolve(file ?? "pipeline.yaml");
      const config = loadPipelineConfig(path, opts.set);
      const say = (line: string) => {
        if (!opts.quiet && !opts.json) process.stderr.write(`${line}\n`);
      };
      const onEvent = (e: PipelineEvent) => {
        if (e.type === "hit") say(`[${e.step}] cache hit (${e.key.slice(0, 12)}), skipped`);
        else if (e.type === "start") say(`[${e.step}] running (${e.key.slice(0, 12)})`);
        else if (e.type === "done") say(`[${e.step}] done in ${e.seconds.toFixed(1)} s`);
        else if (e.type === "log") say(`[${e.step}] ${e.message}`);
        else if (e.type === "failed") say(`[${e.step}] FAILED: ${e.error.message}`);
      };
      // Ctrl-C stops between steps (and inside training); completed steps stay cached for a resume.
      const controller = new AbortController();
      const onSigint = () => {
        say("interrupt: stopping after the current step (run again to resume)");
        controller.abort();
      };
      process.once("SIGINT", onSigint);
      try {
        const result = await runImdbPipeline(config, { onEvent, signal: controller.signal });
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ runId: result.runId, decision: result.decision, registered: result.registered, steps: result.records.map((r) => ({ step: r.step, key: r.key, cached: r.cached, seconds: r.seconds })) })}\n`,
          );
        } else if (!opts.quiet) {
          const cached = result.records.filter((r) => r.cached).length;
          process.stdout.write(
            `pipeline run ${result.runId}: ${cached}/${result.records.length} steps from cache; ${String(result.decision.reason)}\n`,
          );
          if (result.registered.registered) {
            process.stdout.write(
              `registered ${String(result.registered.name)} v${String(result.registered.version)} @${String(result.registered.alias)}\n`,
            );
          }
        }
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
