// The `distilbert` family: DistilBERT fine-tuned and run on libtorch (packages/torch), saved in
// Hugging Face's layout. `sentiment train --model distilbert --init <folder | hub id>`.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ModelFamily } from "../model.ts";
import { DistilBertModel } from "./distilbert-model.ts";

export const distilbertFamily: ModelFamily = {
  family: "distilbert",
  description: "DistilBERT fine-tuned on libtorch (two-phase recipe); saves Hugging Face's layout",
  create: (hyperparameters = {}) => new DistilBertModel(hyperparameters),
  load: (path) => DistilBertModel.load(path),
  async canLoad(path) {
    if (!existsSync(path) || !statSync(path).isDirectory()) return false;
    if (!existsSync(join(path, "model.safetensors")) || !existsSync(join(path, "config.json"))) return false;
    try {
      return JSON.parse(readFileSync(join(path, "config.json"), "utf8")).model_type === "distilbert";
    } catch {
      return false;
    }
  },
};
