// A small pipeline engine: steps with declared inputs (earlier steps), a config section and a code
// version. Each step's output is a content-addressed artifact keyed by sha256(step, code version,
// canonical config, input keys), so unchanged steps are cache hits, an interrupted pipeline resumes
// from the last completed step, and every artifact's lineage (inputs, config hash, code version) is
// known. Steps marked `cache: false` (decisions that depend on outside state, like the registry)
// always run.
import { randomBytes } from "node:crypto";
import type { ActiveRun } from "../track/tracker.ts";
import { UserError } from "../util/errors.ts";
import { ArtifactCache, type StepManifest } from "./cache.ts";
import { canonicalJson, codeVersion, sha256 } from "./hash.ts";

export interface StepInput {
  dir: string;
  key: string;
  summary: Record<string, unknown>;
}

export interface StepContext<C = unknown> {
  /** This step's config section. */
  config: C;
  /** Outputs of the declared inputs, by step name. */
  inputs: Record<string, StepInput>;
  /** Write output files here; they become the artifact when the step succeeds. */
  outDir: string;
  /** The pipeline's tracking run, when there is one. */
  run?: ActiveRun;
  /** Progress lines for the user. */
  log(message: string): void;
  signal?: AbortSignal;
}

export interface StepDefinition<C = unknown> {
  name: string;
  /** Names of earlier steps whose outputs this step reads. */
  inputs: string[];
  /** Source files/folders (relative to the project root) that define what the step computes. */
  code: string[];
  /** false: always run (the result depends on state outside the inputs). Default true. */
  cache?: boolean;
  run(ctx: StepContext<C>): Promise<Record<string, unknown> | undefined>;
}

export interface StepRecord {
  step: string;
  key: string;
  cached: boolean;
  seconds: number;
  inputs: Record<string, string>;
  configHash: string;
  codeVersion: string;
  dir: string;
  summary: Record<string, unknown>;
}

export type PipelineEvent =
  | { type: "start"; step: string; key: string }
  | { type: "hit"; step: string; key: string }
  | { type: "done"; step: string; key: string; seconds: number }
  | { type: "log"; step: string; message: string }
  | { type: "failed"; step: string; error: Error };

export interface RunPipelineOptions {
  steps: StepDefinition[];
  /** Config sections by step name. */
  config: Record<string, unknown>;
  cacheDir: string;
  run?: ActiveRun;
  onEvent?: (e: PipelineEvent) => void;
  signal?: AbortSignal;
}

/** A step failed: names the step; keeps the cause's exit code for user errors. */
export class PipelineStepError extends UserError {
  constructor(
    readonly step: string,
    readonly original: Error,
  ) {
    super(
      `pipeline step "${step}" failed: ${original.message}`,
      original instanceof UserError ? original.exitCode : 1,
    );
    this.name = "PipelineStepError";
  }
}

/** Check step names, inputs and order before anything runs, so a wiring mistake costs no compute. */
export function validateSteps(steps: StepDefinition[]): void {
  const seen = new Set<string>();
  for (const s of steps) {
    if (!/^[a-z][a-z0-9_-]*$/.test(s.name))
      throw new UserError(`pipeline step name "${s.name}" must be lowercase letters, digits, - or _`);
    if (seen.has(s.name)) throw new UserError(`pipeline step "${s.name}" is defined twice`);
    for (const i of s.inputs) {
      if (!seen.has(i))
        throw new UserError(`pipeline step "${s.name}" reads "${i}", which is not an earlier step`);
    }
    seen.add(s.name);
  }
}

/** The cache key of a step run: everything that determines its output. */
export function stepKey(
  step: StepDefinition,
  config: unknown,
  inputKeys: Record<string, string>,
  nonce?: string,
): {
  key: string;
  configHash: string;
  codeVersion: string;
} {
  const configHash = sha256(canonicalJson(config ?? null));
  const code = codeVersion(step.code);
  const key = sha256(
    canonicalJson({ step: step.name, code, configHash, inputs: inputKeys, nonce: nonce ?? null }),
  );
  return { key, configHash, codeVersion: code };
}

/**
 * Run `steps` in order. Resolves with one record per step (the lineage).
 * @throws PipelineStepError naming the failing step; completed steps stay cached for the next run.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<StepRecord[]> {
  validateSteps(options.steps);
  const cache = new ArtifactCache(options.cacheDir);
  const records = new Map<string, StepRecord>();
  const emit = options.onEvent ?? (() => {});
  for (const step of options.steps) {
    if (options.signal?.aborted) throw new PipelineStepError(step.name, new Error("interrupted"));
    const config = options.config[step.name] ?? {};
    const inputKeys = Object.fromEntries(step.inputs.map((i) => [i, records.get(i)!.key]));
    const cacheable = step.cache !== false;
    const { key, configHash, codeVersion } = stepKey(
      step,
      config,
      inputKeys,
      cacheable ? undefined : randomBytes(8).toString("hex"),
    );
    const base = {
      step: step.name,
      key,
      inputs: inputKeys,
      configHash,
      codeVersion,
      dir: cache.entryDir(step.name, key),
    };
    const hit = cacheable ? await cache.lookup(step.name, key) : undefined;
    if (hit) {
      emit({ type: "hit", step: step.name, key });
      records.set(step.name, { ...base, cached: true, seconds: 0, summary: hit.summary });
      continue;
    }
    emit({ type: "start", step: step.name, key });
    const t0 = performance.now();
    const outDir = await cache.scratch(step.name, key);
    let manifest: StepManifest;
    try {
      const inputs = Object.fromEntries(
        step.inputs.map((i) => {
          const r = records.get(i)!;
          return [i, { dir: r.dir, key: r.key, summary: r.summary }];
        }),
      );
      const summary =
        (await step.run({
          config,
          inputs,
          outDir,
          run: options.run,
          log: (message) => emit({ type: "log", step: step.name, message }),
          signal: options.signal,
        })) ?? {};
      const seconds = (performance.now() - t0) / 1000;
      manifest = await cache.commit(outDir, {
        step: step.name,
        key,
        codeVersion,
        configHash,
        inputs: inputKeys,
        createdAt: new Date().toISOString(),
        seconds,
        summary,
      });
    } catch (err) {
      await cache.discard(outDir);
      const error = err instanceof Error ? err : new Error(String(err));
      emit({ type: "failed", step: step.name, error });
      throw new PipelineStepError(step.name, error);
    }
    emit({ type: "done", step: step.name, key, seconds: manifest.seconds });
    records.set(step.name, { ...base, cached: false, seconds: manifest.seconds, summary: manifest.summary });
  }
  return options.steps.map((s) => records.get(s.name)!);
}
