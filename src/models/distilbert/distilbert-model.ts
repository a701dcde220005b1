// DistilBERT sentiment classifier on libtorch behind the SentimentModel interface: `fit` fine-tunes a
// Hugging Face checkpoint (`init`) in two phases, `save` writes Hugging Face's layout (loadable by
// transformers' from_pretrained), and inference reads text the same way as the ONNX `hf` family.
import { createHash } from "node:crypto";
import {
  getNumThreads,
  libtorchVersion,
  noGrad,
  setNumThreads,
  tidy,
} from "../../../packages/torch/src/index.ts";
import type { Review } from "../../data/types.ts";
import { UserError } from "../../util/errors.ts";
import { type LabelMapping, mapLabels, positiveProbability, softmax } from "../hf/labels.ts";
import { explainByOcclusion } from "../hf/occlusion.ts";
import { averageOverWindows, WindowEncoder } from "../hf/window-encoder.ts";
import type { Explanation, FitData, FitOptions, ModelMetadata, SentimentModel } from "../model.ts";
import { type CheckpointFiles, readCheckpoint, writeCheckpoint } from "./checkpoint-io.ts";
import { toRawConfig } from "./config.ts";
import { modelCard } from "./model-card.ts";
import { batchTensors, DistilBertNetwork } from "./network.ts";
import { type DistilBertParams, parseDistilBertParams } from "./params.ts";
import { type EpochRecord, type Example, fineTune, shuffled, stepPrecision } from "./train.ts";

export const DISTILBERT_FORMAT_VERSION = 1;
const BINARY_LABELS = ["NEGATIVE", "POSITIVE"];

interface State {
  network: DistilBertNetwork;
  encoder: WindowEncoder;
  labels: LabelMapping;
  files: CheckpointFiles;
  /** Where the weights came from before fine-tuning (the `init` checkpoint), for the model card. */
  source: string;
  trained?: {
    metrics: Record<string, number>;
    history: EpochRecord[];
    dataSha256?: string;
    trainExamples: number;
    finishedAt: string;
  };
}

export class DistilBertModel implements SentimentModel {
  readonly family = "distilbert";
  readonly params: Readonly<DistilBertParams>;
  #state: State | undefined;

  /** @throws UserError for an unknown or invalid hyperparameter (the message lists the valid ones). */
  constructor(hyperparameters: Record<string, unknown> = {}) {
    this.params = Object.freeze(parseDistilBertParams(hyperparameters));
  }

  get isFitted(): boolean {
    return this.#state !== undefined;
  }

  get network(): DistilBertNetwork {
    return this.#require().network;
  }

  get encoder(): WindowEncoder {
    return this.#require().encoder;
  }

  #require(): State {
    if (!this.#state) {
      throw new UserError(
        "this distilbert model has no weights yet: fit it (with init=<checkpoint>) or load a saved one",
      );
    }
    return this.#state;
  }

  /**
   * Build from a checkpoint: the network with its weights, the tokenizer and the label mapping. A
   * checkpoint whose head is not a NEGATIVE/POSITIVE classifier (e.g. the distilbert-base-uncased MLM)
   * gets a fresh binary head.
   */
  static #fromFiles(files: CheckpointFiles, params: DistilBertParams, requireHead: boolean): State {
    let labels: LabelMapping;
    let config = files.config;
    let freshHead = false;
    try {
      labels = mapLabels(config.labels);
      if (labels.scheme !== "binary") throw new UserError("not binary");
    } catch {
      if (requireHead)
        throw new UserError(
          `${files.ref} is not a binary sentiment classifier (labels: ${config.labels.join(", ")})`,
        );
      labels = mapLabels(BINARY_LABELS);
      config = { ...config, labels: BINARY_LABELS };
      freshHead = true;
    }
    const network = new DistilBertNetwork(config);
    const weights = freshHead
      ? new Map(
          [...files.weights].filter(
            ([k]) => !k.startsWith("classifier.") && !k.startsWith("pre_classifier."),
          ),
        )
      : files.weights;
    const untouched = network.loadWeights(weights, files.dir);
    if (requireHead && untouched.length) {
      network.dispose();
      throw new UserError(
        `${files.ref} has no classification head (${untouched.join(", ")}); fine-tune it first`,
      );
    }
    const maxLength = Math.min(params.maxLength, config.maxPositions);
    const encoder = new WindowEncoder(files.tokenizer, {
      maxLength,
      longText: params.longText,
      headFraction: params.headFraction,
    });
    return { network, encoder, labels, files, source: files.ref };
  }

  /** Load a model saved by `save` (or any DistilBertForSequenceClassification folder with binary labels). */
  static async load(path: string, hyperparameters: Record<string, unknown> = {}): Promise<DistilBertModel> {
    const files = await readCheckpoint(path);
    const record = files.record as { hyperparameters?: Record<string, unknown> } | undefined;
    const saved = { ...(record?.hyperparameters ?? {}), ...hyperparameters };
    const model = new DistilBertModel(saved);
    const state = DistilBertModel.#fromFiles(files, model.params, true);
    const r = files.record as Partial<{ source: string; trained: State["trained"] }> | undefined;
    state.source = r?.source ?? files.ref;
    state.trained = r?.trained;
    model.#state = state;
    return model;
  }

  async fit(data: FitData, options: FitOptions = {}): Promise<Record<string, number>> {
    const p = this.params;
    if (p.threads) setNumThreads(p.threads);
    if (!this.#state) {
      if (!p.init)
        throw new UserError(
          "distilbert needs a checkpoint to start from: --init <folder | hub id> (e.g. distilbert-base-uncased)",
        );
      const files = await readCheckpoint(p.init, { offline: p.offline });
      this.#state = DistilBertModel.#fromFiles(files, p, false);
    }
    const state = this.#state;
    // Refuse fp16 on the CPU before tokenising (fineTune checks again for direct callers).
    stepPrecision(state.network, p.precision);
    // A seeded random subset: readers return reviews grouped by class, so a prefix could be one-sided.
    const train = p.maxTrainExamples
      ? shuffled(data.train.length, options.seed ?? p.seed)
          .slice(0, p.maxTrainExamples)
          .map((i) => data.train[i])
      : data.train;
    const toExamples = (reviews: readonly Review[], phase: string): Example[] => {
      const out: Example[] = [];
      const pos = state.labels.scores.indexOf(1);
      const neg = state.labels.scores.indexOf(0);
      reviews.forEach((r, i) => {
        if (r.label === undefined) return;
        // Training reads one window per review: chunk averaging is an inference-time strategy.
        const [ids] = state.encoder.windows(r.text, p.longText === "chunks" ? "head-tail" : p.longText);
        out.push({ ids, label: r.label === 1 ? pos : neg });
        if (i % 500 === 0) options.onProgress?.({ phase, done: i, total: reviews.length });
      });
      options.onProgress?.({ phase, done: reviews.length, total: reviews.length });
      return out;
    };
    const examples = toExamples(train, "tokenize train");
    const validation = toExamples(data.validation, "tokenize validation");
    for (const cls of [0, 1]) {
      if (!examples.some((e) => e.label === cls)) {
        throw new UserError(
          `training data has no ${cls === 1 ? "positive" : "negative"} reviews; both classes are needed`,
        );
      }
    }
    const result = await fineTune(
      state.network,
      { train: examples, validation, padId: state.encoder.padId },
      p,
      options,
    );
    state.trained = {
      metrics: result.metrics,
      history: result.history,
      dataSha256: data.dataSha256,
      trainExamples: examples.length,
      finishedAt: new Date().toISOString(),
    };
    return result.metrics;
  }

  /** Raw logits [rows x labels] for token-id rows (right-padded), eval mode. */
  logitsForIds(rows: readonly (readonly number[])[]): Float32Array {
    const { network, encoder } = this.#require();
    return noGrad(() =>
      tidy(() => {
        const { ids, mask } = batchTensors(rows, encoder.padId);
        return network.forward(ids, mask, false).toFloat32Array();
      }),
    );
  }

  async classProbabilities(texts: readonly string[]): Promise<Float64Array[]> {
    const { encoder, labels } = this.#require();
    const { windows, owners } = encoder.windowsOfAll(texts);
    const k = labels.labels.length;
    return averageOverWindows(windows, owners, k, this.params.evalBatchSize, (batch) => {
      const logits = this.logitsForIds(batch);
      return batch.map((_, r) => softmax(logits, r * k, k));
    });
  }

  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    const { labels } = this.#require();
    const probs = await this.classProbabilities(texts);
    return Float64Array.from(probs, (p) => positiveProbability(p, labels));
  }

  async predictRating(_texts: readonly string[]): Promise<Float64Array | null> {
    return null;
  }

  /** Leave-one-out over words (see hf/occlusion.ts); `bias` is the logit of the empty text. */
  async explain(text: string): Promise<Explanation> {
    return explainByOcclusion(text, (texts) => this.predictProba(texts));
  }

  /** Writes Hugging Face's layout (config.json, model.safetensors, tokenizer files) plus model card and record. */
  async save(path: string): Promise<void> {
    const state = this.#require();
    const record = {
      format: "sentiment-distilbert",
      version: DISTILBERT_FORMAT_VERSION,
      source: state.source,
      hyperparameters: { ...this.params, checkpointDir: undefined },
      trained: state.trained,
      metadata: this.metadata(),
    };
    await writeCheckpoint(path, {
      rawConfig: toRawConfig(state.files.rawConfig, state.labels.labels),
      weights: state.network.snapshot(),
      tokenizerDir: state.files.dir,
      record,
      card: modelCard(this.metadata(), state.trained?.history ?? []),
    });
  }

  metadata(): ModelMetadata {
    const state = this.#require();
    const finished = state.trained?.finishedAt ?? new Date(0).toISOString();
    const hash = createHash("sha256")
      .update(state.source)
      .update(JSON.stringify(this.params))
      .update(finished)
      .digest("hex")
      .slice(0, 8);
    const c = state.network.config;
    return {
      family: this.family,
      id: `distilbert-${finished.slice(0, 16).replace(/[-:T]/g, "")}-${hash}`,
      formatVersion: DISTILBERT_FORMAT_VERSION,
      createdAt: finished,
      hyperparameters: { ...this.params },
      metrics: state.trained?.metrics ?? {},
      dataSha256: state.trained?.dataSha256,
      parameterCount: state.network.parameterCount,
      hasRating: false,
      details: {
        sourceCheckpoint: state.source,
        architecture: "DistilBertForSequenceClassification",
        engine: `libtorch ${libtorchVersion()} (${getNumThreads()} threads)`,
        config: {
          dim: c.dim,
          layers: c.layers,
          heads: c.heads,
          hiddenDim: c.hiddenDim,
          vocab: c.vocabSize,
          maxPositions: c.maxPositions,
        },
        labels: state.labels.labels,
        recipe: {
          phase1: {
            epochs: this.params.phase1Epochs,
            lr: this.params.phase1Lr,
            trains: "pre_classifier + classifier",
          },
          phase2: {
            epochs: this.params.phase2Epochs,
            lr: this.params.phase2Lr,
            trains: `head + last ${Math.min(this.params.unfreezeLayers, c.layers)} of ${c.layers} transformer blocks${this.params.unfreezeEmbeddings ? " + embeddings" : ""}`,
          },
          optimizer: `AdamW (weight decay ${this.params.weightDecay}, none on biases/LayerNorm), warmup ${this.params.warmupRatio} + linear decay, clip ${this.params.clipNorm}`,
          maxLength: state.encoder.o.maxLength,
          longText: this.params.longText,
          trainExamples: state.trained?.trainExamples,
          history: state.trained?.history,
        },
      },
    };
  }

  /** Frees the libtorch tensors. Safe to call twice. */
  async dispose(): Promise<void> {
    this.#state?.network.dispose();
    this.#state = undefined;
  }
}
