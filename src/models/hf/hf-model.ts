// A Hugging Face text-classification checkpoint (ONNX weights, run by onnxruntime-node through
// transformers.js) behind the project's SentimentModel interface: polarity from id2label, batching
// with length-sorted windows, long reviews by head+tail or chunk averaging, occlusion explanations.
// Inference only: fine-tuning is the `distilbert` family's job (libtorch).
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Tensor as HfTensor } from "@huggingface/transformers";
import { UserError } from "../../util/errors.ts";
import type { Explanation, FitData, ModelMetadata, SentimentModel } from "../model.ts";
import { type DownloadEvent, type LoadedCheckpoint, loadCheckpoint } from "./hub.ts";
import {
  type LabelMapping,
  labelsFromConfig,
  mapLabels,
  positiveProbability,
  ratingFromProbs,
  softmax,
} from "./labels.ts";
import { explainByOcclusion } from "./occlusion.ts";
import { type HfOptions, parseHfOptions, parseHfSpec } from "./options.ts";
import { readSavedOptions, saveCheckpointFolder } from "./save.ts";
import { averageOverWindows, WindowEncoder } from "./window-encoder.ts";

export const HF_FORMAT_VERSION = 1;
/** Window lengths above this are treated as "no limit" sentinels (HF tokenizers use 1e30). */
const SANE_MAX_LENGTH = 100_000;
const FALLBACK_MAX_LENGTH = 512;

export interface HfLoadOptions {
  /** Called while files download from the hub. */
  onDownload?: (e: DownloadEvent) => void;
}

export class HfModel implements SentimentModel {
  readonly family = "hf";
  readonly options: Readonly<HfOptions>;
  readonly labels: LabelMapping;
  /** Window length in tokens, special tokens included. */
  readonly maxLength: number;
  #ckpt: LoadedCheckpoint | undefined;
  readonly #encoder: WindowEncoder;
  readonly #numLabels: number;
  readonly #Tensor: typeof HfTensor;

  private constructor(ckpt: LoadedCheckpoint, options: HfOptions, Tensor: typeof HfTensor) {
    this.#ckpt = ckpt;
    this.#Tensor = Tensor;
    this.options = Object.freeze({ ...options });
    const { config, tokenizer } = ckpt;
    const labels = labelsFromConfig(config.id2label, Number(config.num_labels) || undefined);
    this.labels = mapLabels(labels, options.labelScores);
    this.#numLabels = labels.length;

    const limits = [Number(tokenizer.model_max_length), Number(config.max_position_embeddings)].filter(
      (n) => Number.isFinite(n) && n > 0 && n <= SANE_MAX_LENGTH,
    );
    const natural = limits.length ? Math.min(...limits) : FALLBACK_MAX_LENGTH;
    if (options.maxLength !== undefined && options.maxLength > natural) {
      throw new UserError(
        `maxLength=${options.maxLength} exceeds what this checkpoint supports (${natural} tokens)`,
      );
    }
    this.maxLength = options.maxLength ?? natural;

    this.#encoder = new WindowEncoder(tokenizer, {
      maxLength: this.maxLength,
      longText: options.longText,
      headFraction: options.headFraction,
      chunkOverlap: options.chunkOverlap,
      maxChunks: options.maxChunks,
    });
  }

  /**
   * Load a checkpoint from a folder or the hub.
   * @param spec "<folder | hub id>[?key=value&...]" (the part after "hf:"); options override `sentiment-hf.json` of a saved folder.
   * @example const m = await HfModel.load("test/fixtures/tiny-distilbert-imdb"); await m.predictProba(["Superb!"]) // Float64Array [0.97...]
   */
  static async load(
    spec: string,
    options: Record<string, unknown> = {},
    load: HfLoadOptions = {},
  ): Promise<HfModel> {
    const { source, raw } = parseHfSpec(spec);
    const saved = readSavedOptions(source);
    const parsed = parseHfOptions({ ...saved, ...raw, ...options }, `option of hf:${spec}`);
    const ckpt = await loadCheckpoint(source, parsed, load.onDownload);
    const { Tensor } = await import("@huggingface/transformers");
    try {
      return new HfModel(ckpt, parsed, Tensor);
    } catch (err) {
      await ckpt.model.dispose();
      throw err;
    }
  }

  get checkpoint(): LoadedCheckpoint {
    if (!this.#ckpt) throw new UserError("this hf model was disposed");
    return this.#ckpt;
  }

  /** Token ids of `text` as the model sees it when it fits in one window (special tokens included). */
  encode(text: string): number[] {
    this.checkpoint; // throws once disposed
    return this.#encoder.encode(text);
  }

  /**
   * Raw logits for already-tokenised rows, [rows x classes] row-major. Rows of different lengths are
   * right-padded; pass `attentionMask` to run an exact padded batch (e.g. a reference one).
   */
  async logitsForIds(
    rows: readonly (readonly number[])[],
    attentionMask?: readonly (readonly number[])[],
  ): Promise<Float32Array> {
    const b = rows.length;
    if (b === 0) return new Float32Array(0);
    const t = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(b * t);
    const mask = new BigInt64Array(b * t);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < t; j++) {
        const inRow = j < rows[i].length;
        ids[i * t + j] = BigInt(inRow ? rows[i][j] : this.#encoder.padId);
        mask[i * t + j] = BigInt(attentionMask ? attentionMask[i][j] : inRow ? 1 : 0);
      }
    }
    const out = await this.checkpoint.model.forward({
      input_ids: new this.#Tensor("int64", ids, [b, t]),
      attention_mask: new this.#Tensor("int64", mask, [b, t]),
    });
    const logits = (out as { logits: HfTensor }).logits;
    return Float32Array.from(logits.data as Float32Array);
  }

  /** Class probabilities per text (mean over its windows), [texts x classes]. */
  async classProbabilities(texts: readonly string[]): Promise<Float64Array[]> {
    this.checkpoint; // throws once disposed
    const { windows, owners } = this.#encoder.windowsOfAll(texts);
    const k = this.#numLabels;
    return averageOverWindows(windows, owners, k, this.options.batchSize, async (batch) => {
      const logits = await this.logitsForIds(batch);
      return batch.map((_, r) => softmax(logits, r * k, k));
    });
  }

  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    const probs = await this.classProbabilities(texts);
    return Float64Array.from(probs, (p) => positiveProbability(p, this.labels));
  }

  async predictRating(texts: readonly string[]): Promise<Float64Array | null> {
    if (!this.labels.hasRating) return null;
    const probs = await this.classProbabilities(texts);
    return Float64Array.from(probs, (p) => ratingFromProbs(p, this.labels));
  }

  /**
   * Leave-one-out over words: contribution = logit(P(pos | text)) - logit(P(pos | text without the word)).
   * `bias` is the logit of the empty text, the model's prior.
   */
  async explain(text: string): Promise<Explanation> {
    return explainByOcclusion(text, (texts) => this.predictProba(texts));
  }

  async fit(_data: FitData): Promise<Record<string, number>> {
    throw new UserError(
      "hf checkpoints run as they are (inference only); to fine-tune a DistilBERT checkpoint use " +
        '"sentiment train --model distilbert --init <folder | hub id>"',
    );
  }

  /** Writes the checkpoint folder (Hugging Face layout) plus sentiment-hf.json with these options. */
  async save(path: string): Promise<void> {
    const { source } = this.checkpoint;
    await saveCheckpointFolder(source.dir, path, {
      format: "sentiment-hf",
      version: HF_FORMAT_VERSION,
      source: source.ref,
      options: this.options,
    });
  }

  metadata(): ModelMetadata {
    const { source, config, dtype, onnxFile } = this.checkpoint;
    const onnxPath = join(source.dir, onnxFile);
    const configPath = join(source.dir, "config.json");
    const hash = createHash("sha256")
      .update(source.ref)
      .update(existsSync(configPath) ? readFileSync(configPath) : JSON.stringify(config))
      .update(dtype)
      .digest("hex")
      .slice(0, 8);
    return {
      family: this.family,
      id: `hf-${basename(source.ref)}-${dtype}-${hash}`,
      formatVersion: HF_FORMAT_VERSION,
      createdAt: (existsSync(onnxPath) ? statSync(onnxPath).mtime : new Date()).toISOString(),
      hyperparameters: { ...this.options, maxLength: this.maxLength },
      metrics: {},
      parameterCount: safetensorsParameterCount(join(source.dir, "model.safetensors")),
      hasRating: this.labels.hasRating,
      details: {
        checkpoint: source.ref,
        source: source.kind,
        ...(source.kind === "hub" ? { revision: this.options.revision } : {}),
        architecture: Array.isArray(config.architectures) ? config.architectures[0] : undefined,
        modelType: config.model_type,
        engine: "onnxruntime-node via @huggingface/transformers",
        onnxFile,
        dtype,
        labels: this.labels.labels,
        labelScores: this.labels.scores,
        labelScheme: this.labels.scheme,
        labelRule: this.labels.rule,
        maxLength: this.maxLength,
        longText: this.options.longText,
      },
    };
  }

  /** Releases the ONNX session. Safe to call twice. */
  async dispose(): Promise<void> {
    const ckpt = this.#ckpt;
    this.#ckpt = undefined;
    if (ckpt) await ckpt.model.dispose();
  }
}

/** Parameter count from a safetensors header (8-byte length + JSON), without reading the weights. */
function safetensorsParameterCount(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, "r");
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) !== 8) return undefined;
    const n = Number(len.readBigUInt64LE());
    if (n <= 0 || n > 100_000_000) return undefined;
    const header = Buffer.alloc(n);
    readSync(fd, header, 0, n, 8);
    const entries = JSON.parse(header.toString("utf8")) as Record<string, { shape?: number[] }>;
    let total = 0;
    for (const [name, e] of Object.entries(entries)) {
      if (name !== "__metadata__" && Array.isArray(e.shape)) total += e.shape.reduce((a, b) => a * b, 1);
    }
    return total;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
