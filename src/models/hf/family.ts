// The `hf` model family: Hugging Face text-classification checkpoints with ONNX weights, from a folder
// or a hub id (`--model hf:<folder | hub id>[?options]`). Inference only.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../util/errors.ts";
import type { ModelFamily } from "../model.ts";
import { HfModel } from "./hf-model.ts";
import type { DownloadEvent } from "./hub.ts";

/** One stderr line per downloaded file (stdout stays clean for --json). */
function reportDownloads(): (e: DownloadEvent) => void {
  const started = new Set<string>();
  return (e) => {
    if (!started.has(e.file)) {
      started.add(e.file);
      process.stderr.write(`downloading ${e.file} (${(e.total / 1e6).toFixed(1)} MB)\n`);
    }
  };
}

export const hfFamily: ModelFamily = {
  family: "hf",
  description:
    "Hugging Face text-classification checkpoint (ONNX via onnxruntime-node); hf:<folder | hub id>",
  create() {
    throw new UserError(
      'hf checkpoints are loaded, not trained: use --model hf:<folder | hub id> to run one, or fine-tune with "sentiment train --model distilbert --init <folder | hub id>"',
    );
  },
  load: (path) => HfModel.load(path, {}, { onDownload: reportDownloads() }),
  async canLoad(path) {
    if (!existsSync(path) || !statSync(path).isDirectory()) return false;
    const has = (f: string) => existsSync(join(path, f));
    return (
      has("config.json") &&
      has("tokenizer.json") &&
      (has("onnx/model.onnx") || has("onnx/model_quantized.onnx"))
    );
  },
};
