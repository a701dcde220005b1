// Finds and loads models. A model spec is one of:
//   (nothing) / "default"   the bundled model in models/default.sentiment
//   <path to a file>        a model file written by any family (family read from its header)
//   hf:<folder | hub id>    a Hugging Face checkpoint (ONNX), see the `hf` family
// Families are imported lazily, so e.g. the libtorch-backed ones cost nothing until used.
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ModelFileError } from "../util/errors.ts";
import type { ModelFamily, SentimentModel } from "./model.ts";
import { isModelFile, readModelMetadata } from "./modelFile.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_MODEL_PATH = join(PROJECT_ROOT, "models", "default.sentiment");

type FamilyLoader = () => Promise<ModelFamily>;
const families = new Map<string, FamilyLoader>();

export function registerFamily(name: string, loader: FamilyLoader): void {
  families.set(name, loader);
}

export function familyNames(): string[] {
  return [...families.keys()];
}

export async function getFamily(name: string): Promise<ModelFamily> {
  await import("./families.ts");
  const loader = families.get(name);
  if (!loader)
    throw new ModelFileError(`unknown model family "${name}" (known: ${familyNames().join(", ")})`);
  return loader();
}

/** Resolve a model spec to a loaded model. */
export async function loadModel(spec?: string): Promise<SentimentModel> {
  await import("./families.ts");
  if (!spec || spec === "default") {
    if (!existsSync(DEFAULT_MODEL_PATH)) {
      throw new ModelFileError(
        `bundled model missing at ${DEFAULT_MODEL_PATH}; train one with "sentiment train"`,
      );
    }
    spec = DEFAULT_MODEL_PATH;
  }
  const colon = spec.indexOf(":");
  if (colon > 1 && families.has(spec.slice(0, colon))) {
    return (await getFamily(spec.slice(0, colon))).load(spec.slice(colon + 1));
  }
  if (!existsSync(spec)) throw new ModelFileError(`model not found: ${spec}`);
  if (statSync(spec).isFile()) {
    if (!isModelFile(spec)) throw new ModelFileError(`${spec} is not a sentiment model file`);
    const { family } = readModelMetadata(spec);
    return (await getFamily(family)).load(spec);
  }
  for (const name of families.keys()) {
    const family = await getFamily(name);
    if (await family.canLoad(spec)) return family.load(spec);
  }
  throw new ModelFileError(`${spec} is a folder no model family recognises`);
}
