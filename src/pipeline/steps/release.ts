// Release steps, run every time (they depend on the registry, not only on their inputs): compare the
// candidate with the current production model on the same holdout, register and promote it when it
// is better by the configured margin, and tell a running server to hot-swap.
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { evaluateModel, summaryMetrics } from "../../eval/evaluate.ts";
import { loadModel } from "../../models/registry.ts";
import { modelVersionPath, notifyServer, promoteModel, registerModel } from "../../track/modelRegistry.ts";
import type { Tracker } from "../../track/tracker.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import type { PipelineConfig } from "../config.ts";
import type { StepDefinition, StepInput } from "../engine.ts";
import { codeVersion, sha256, sha256File } from "../hash.ts";
import { readReviews } from "../reviewsFile.ts";
import { MODEL_FILE } from "./model.ts";

export interface ReleaseEnv {
  tracker: Tracker;
  modelName: string;
  alias: string;
  cacheDir: string;
}

type CompareConfig = PipelineConfig["compare"];

/**
 * Holdout metrics of the production model, memoised in the cache by (model file, holdout, evaluation
 * code): re-running the pipeline against an unchanged production model does not evaluate it again.
 */
async function productionMetrics(
  env: ReleaseEnv,
  modelPath: string,
  split: StepInput,
  signal?: AbortSignal,
): Promise<Record<string, number | null>> {
  const key = sha256(`${await sha256File(modelPath)}:${split.key}:${codeVersion(["src/eval"])}`);
  const memo = join(env.cacheDir, "production-eval", `${key}.json`);
  if (existsSync(memo)) {
    try {
      return JSON.parse(readFileSync(memo, "utf8")) as Record<string, number | null>;
    } catch {
      // damaged memo: evaluate again below
    }
  }
  const holdout = await readReviews(join(split.dir, "holdout.jsonl"));
  const report = await evaluateModel(await loadModel(modelPath), holdout, {
    dataset: { name: "pipeline holdout", split: "holdout", sha256: split.key },
    robustness: false,
    signal,
  });
  const metrics = summaryMetrics(report);
  await writeFileAtomic(memo, JSON.stringify(metrics));
  return metrics;
}

export function compareStep(env: ReleaseEnv): StepDefinition<CompareConfig> {
  return {
    name: "compare",
    inputs: ["train", "evaluate", "split"],
    code: ["src/pipeline/steps/release.ts"],
    cache: false,
    async run({ config, inputs, outDir, run, log, signal }) {
      const candidate = (inputs.evaluate.summary.metrics as Record<string, number | null>)[config.metric];
      if (typeof candidate !== "number")
        throw new Error(`candidate has no "${config.metric}" metric to compare`);
      const candidateSha = await sha256File(join(inputs.train.dir, MODEL_FILE));
      const production = await env.tracker.registry.getVersionByAlias(env.modelName, env.alias);
      let result: Record<string, unknown>;
      if (!production) {
        result = {
          promote: true,
          reason: `no ${env.modelName}@${env.alias} yet`,
          candidate,
          production: null,
        };
      } else {
        const prodPath = await modelVersionPath(env.tracker, production);
        if ((await sha256File(prodPath)) === candidateSha) {
          result = {
            promote: false,
            reason: `the candidate is already ${env.alias} (version ${production.version})`,
            candidate,
          };
        } else {
          // Same holdout, same code: the only difference is the model.
          const prod = (await productionMetrics(env, prodPath, inputs.split, signal))[config.metric];
          if (typeof prod !== "number")
            throw new Error(`production model has no "${config.metric}" on the holdout`);
          const better = candidate >= prod + config.margin;
          result = {
            promote: better,
            reason: better
              ? `candidate ${config.metric} ${candidate.toFixed(4)} beats production v${production.version} ${prod.toFixed(4)} by >= ${config.margin}`
              : `candidate ${config.metric} ${candidate.toFixed(4)} does not beat production v${production.version} ${prod.toFixed(4)} by ${config.margin}`,
            candidate,
            production: prod,
            productionVersion: production.version,
          };
          run?.logMetric(`production.${config.metric}`, prod);
        }
      }
      result.metric = config.metric;
      result.margin = config.margin;
      result.candidateSha256 = candidateSha;
      await writeFile(join(outDir, "decision.json"), `${JSON.stringify(result, null, 2)}\n`);
      run?.setTag("pipeline.decision", String(result.reason));
      log(String(result.reason));
      return result;
    },
  };
}

export function registerStep(env: ReleaseEnv): StepDefinition<PipelineConfig["register"]> {
  return {
    name: "register",
    inputs: ["train", "evaluate", "compare"],
    code: ["src/pipeline/steps/release.ts", "src/track/modelRegistry.ts"],
    cache: false,
    async run({ config, inputs, run, log }) {
      const decision = inputs.compare.summary;
      if (!config.enabled || decision.promote !== true) {
        log(
          config.enabled
            ? "not promoted: nothing to register"
            : "registration disabled (register.enabled: false)",
        );
        return { registered: false };
      }
      const modelPath = join(inputs.train.dir, MODEL_FILE);
      const sha = String(decision.candidateSha256);
      // Resuming after an interruption between register and promote must not add a second version.
      const existing = (await env.tracker.registry.listModelVersions(env.modelName)).find(
        (v) => v.tags["model.sha256"] === sha,
      );
      const metrics = inputs.evaluate.summary.metrics as Record<string, number | null>;
      const version =
        existing ??
        (await registerModel(env.tracker, {
          name: env.modelName,
          modelPath,
          runId: String(inputs.train.summary.runId),
          description: String(decision.reason),
          tags: {
            "model.sha256": sha,
            ...(run ? { "pipeline.run_id": run.runId } : {}),
            ...Object.fromEntries(
              Object.entries(metrics)
                .filter(([, v]) => typeof v === "number")
                .map(([k, v]) => [`holdout.${k}`, String(v)]),
            ),
          },
        }));
      const promoted = await promoteModel(env.tracker, env.modelName, version.version, {
        alias: config.alias,
      });
      run?.setTags({ "registered.model": env.modelName, "registered.version": String(version.version) });
      log(
        `${env.modelName} version ${version.version} is now @${config.alias}${promoted.previous ? ` (was v${promoted.previous})` : ""}`,
      );
      return {
        registered: true,
        name: env.modelName,
        version: version.version,
        alias: config.alias,
        previous: promoted.previous,
      };
    },
  };
}

export function notifyStep(env: ReleaseEnv): StepDefinition<PipelineConfig["notify"]> {
  return {
    name: "notify",
    inputs: ["register"],
    code: ["src/pipeline/steps/release.ts"],
    cache: false,
    async run({ config, inputs, log }) {
      const url = config.url ?? process.env.SENTIMENT_SERVER_URL;
      if (inputs.register.summary.registered !== true) return { notified: false, reason: "nothing promoted" };
      if (!url) {
        log("no server to notify (notify.url or SENTIMENT_SERVER_URL)");
        return { notified: false, reason: "no server configured" };
      }
      const r = await notifyServer(url, `${env.modelName}@${inputs.register.summary.alias}`);
      // A server that is down does not undo a promotion: it serves the alias when it next starts.
      log(
        r.ok
          ? `server ${url} activated the new model`
          : `warning: could not notify ${url}: ${r.status ?? ""} ${r.message ?? ""}`,
      );
      return { notified: r.ok, url: r.url, status: r.status ?? null, message: r.message ?? null };
    },
  };
}
