// `sentiment model info`: architecture, size and provenance of a named configuration or a model file.
import type { Command } from "commander";
import { isModelFile, readModelMetadata } from "../../models/modelFile.ts";
import { NAMED_MODELS, namedModelNames } from "../../models/neural/named.ts";
import { loadModel } from "../../models/registry.ts";
import { UserError } from "../../util/errors.ts";

/** Info for a named configuration (untrained; no libtorch needed) or a model spec (file, hf:..., default). */
export async function modelInfo(spec: string): Promise<Record<string, unknown>> {
  const named = NAMED_MODELS[spec];
  if (named) {
    const model = await named.create();
    return { name: spec, description: named.description, trained: false, ...model.describe() };
  }
  if (isModelFile(spec)) {
    // Metadata only: works for every family and does not need the family's engine (e.g. libtorch).
    const m = readModelMetadata(spec);
    const details = (m.details ?? {}) as Record<string, unknown>;
    return {
      path: spec,
      trained: true,
      family: m.family,
      id: m.id,
      createdAt: m.createdAt,
      parameterCount: m.parameterCount,
      ...(details.architecture ? (details.architecture as Record<string, unknown>) : {}),
      hyperparameters: m.hyperparameters,
      metrics: m.metrics,
      preprocessing: m.preprocessing,
      hasRating: m.hasRating,
    };
  }
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel(spec);
  } catch (err) {
    if (err instanceof UserError) {
      throw new UserError(
        `${err.message}; named configurations: ${namedModelNames().join(", ")}`,
        err.exitCode,
      );
    }
    throw err;
  }
  const m = model.metadata();
  return { spec, trained: true, ...m };
}

function printText(info: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(info)) {
    const value = typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    process.stdout.write(
      `${k}: ${typeof v === "number" && k === "parameterCount" ? v.toLocaleString("en") : value}\n`,
    );
  }
}

export function register(program: Command): void {
  const model = program.command("model").description("Inspect models");
  model
    .command("info")
    .description(
      `Architecture, parameter count and provenance of a model file or named configuration (${namedModelNames().join(", ")})`,
    )
    .option(
      "--model <spec>",
      "model file, hf:<folder|hub id>, 'default', or a named configuration",
      "default",
    )
    .option("--json", "print one JSON object")
    .action(async (opts) => {
      const info = await modelInfo(opts.model);
      if (opts.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else printText(info);
    });
}
