// SentimentModel implementation shared by the neural families (BiLSTM, word-vector LSTM,
// Transformer): tokenisation and vocabulary, training through the neural trainer, Platt calibration
// on the validation split, occlusion explanations, and the model file (weights as safetensors).
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Review } from "../../data/types.ts";
import { tokenize, tokenizeWithOffsets } from "../../text/preprocess.ts";
import {
  type LabelledSequences,
  predictLogits,
  type TrainerConfig,
  trainNetwork,
} from "../../train/neural/trainer.ts";
import { ModelFileError, UserError } from "../../util/errors.ts";
import { fitPlatt, IDENTITY_PLATT, type Platt, sigmoid } from "../calibration.ts";
import type {
  Explanation,
  FitData,
  FitOptions,
  ModelFamily,
  ModelMetadata,
  StackableModel,
} from "../model.ts";
import {
  isModelFile,
  type ModelFileContents,
  readModelFile,
  readModelMetadata,
  writeModelFile,
} from "../modelFile.ts";
import { makeBatch } from "./batching.ts";
import type { Architecture, Network } from "./network.ts";
import type { NeuralParams } from "./params.ts";
import { loadTorch, type Torch } from "./torch.ts";
import { buildVocab, Encoder, UNK_ID } from "./vocab.ts";

export const FORMAT_VERSION = 1;
const WEIGHTS = "weights.safetensors";

export interface NeuralFamilySpec<P extends NeuralParams> {
  family: string;
  parse(hyperparameters: Record<string, unknown>): P;
  architecture: Architecture<P>;
}

interface Fitted {
  torch: Torch;
  net: Network;
  encoder: Encoder;
  platt: Platt;
}

function labelled(reviews: readonly Review[], split: string): Float32Array {
  const y = Float32Array.from(reviews, (r) => {
    if (r.label === undefined) throw new UserError(`review ${r.id} in the ${split} split has no label`);
    return r.label;
  });
  const pos = y.reduce((a, b) => a + b, 0);
  if (pos === 0 || pos === y.length)
    throw new UserError(`the ${split} split needs positive and negative reviews`);
  return y;
}

export class NeuralModel<P extends NeuralParams> implements StackableModel {
  readonly family: string;
  readonly params: P;
  /** Calibrated logits of the validation reviews from the selected weights (for stacking). */
  validationLogits?: Float64Array;
  #fitted: Fitted | undefined;
  #meta: ModelMetadata | undefined;

  constructor(
    readonly spec: NeuralFamilySpec<P>,
    hyperparameters: Record<string, unknown> = {},
  ) {
    this.family = spec.family;
    this.params = spec.parse(hyperparameters);
  }

  /** Architecture and size, without building anything (works without libtorch). */
  describe(vocabSize = this.params.text.maxVocab + 2): Record<string, unknown> {
    return {
      family: this.family,
      ...this.spec.architecture.describe(this.params, vocabSize),
      parameterCount: this.spec.architecture.parameterCount(this.params, vocabSize),
      hyperparameters: this.params,
    };
  }

  #tokens(text: string): string[] {
    return tokenize(text, this.params.text.preprocess);
  }

  async fit(data: FitData, options: FitOptions = {}): Promise<Record<string, number>> {
    const started = performance.now();
    const p = this.params;
    const yTrain = labelled(data.train, "training");
    const yVal = labelled(data.validation, "validation");
    const torch = await loadTorch();
    const total = data.train.length + data.validation.length;
    const trainTokens = data.train.map((r, i) => {
      if (i % 1000 === 0) options.onProgress?.({ phase: "tokenize", done: i, total });
      return this.#tokens(r.text);
    });
    const valTokens = data.validation.map((r) => this.#tokens(r.text));
    options.onProgress?.({ phase: "tokenize", done: total, total });
    const encoder = new Encoder(buildVocab(trainTokens, p.text.maxVocab, p.text.minCount));
    const encode = (docs: string[][]) => docs.map((d) => encoder.encode(d, p.text.maxLength));
    const train = { seqs: encode(trainTokens), labels: yTrain };
    const validation = { seqs: encode(valTokens), labels: yVal };
    torch.manualSeed(p.seed);
    if (p.training.threads > 0) torch.setNumThreads(p.training.threads);
    this.dispose();
    const net = await this.spec.architecture.build(torch, p, encoder.words, "train");
    let pretrainMetrics: Record<string, number> = {};
    if (this.spec.architecture.pretrain) {
      // Every text but the test split's: the validation reviews' texts (never their labels) are as fair
      // a source for self-supervision as the unlabeled ones. Built only when the architecture's
      // pre-training is switched on (tokenising 50k reviews takes a while).
      const corpus = () => [
        ...train.seqs,
        ...validation.seqs,
        ...(data.unlabeled ?? []).map((r) => encoder.encode(this.#tokens(r.text), p.text.maxLength)),
      ];
      pretrainMetrics = await this.spec.architecture.pretrain(torch, net, p, corpus, encoder.size, options);
    }
    const start = p.training.refit ? net.store.snapshot() : undefined;
    const config = { ...p.training, seed: p.seed };
    const result = await trainNetwork(torch, net, train, validation, config, options);
    const platt = fitPlatt(result.validationLogits, yVal);
    this.validationLogits = Float64Array.from(result.validationLogits, (z) => platt.a * z + platt.b);
    this.#fitted = { torch, net, encoder, platt };
    const refit = start
      ? await this.#refit(
          torch,
          net,
          start,
          train,
          validation,
          { ...config, epochs: result.bestEpoch },
          options,
        )
      : {};
    const best = result.history[result.bestEpoch - 1];
    const metrics: Record<string, number> = {
      val_accuracy: best?.valAccuracy ?? Number.NaN,
      val_loss: best?.valLoss ?? Number.NaN,
      best_epoch: result.bestEpoch,
      epochs_run: result.history.length,
      mean_epoch_seconds:
        result.history.reduce((s, e) => s + e.seconds, 0) / Math.max(1, result.history.length),
      ms_per_step: result.history.reduce((s, e) => s + e.msPerStep, 0) / Math.max(1, result.history.length),
      fit_seconds: (performance.now() - started) / 1000,
      vocab_size: encoder.size,
      ...pretrainMetrics,
      ...refit,
    };
    this.#meta = this.#metadata(encoder, metrics, data.dataSha256, {
      history: result.history,
      stoppedEarly: result.stoppedEarly,
    });
    return metrics;
  }

  /**
   * Trains `net` again from `start` on train + validation with the first fit's trainer config (its
   * epochs set to the count that fit chose), keeping the last weights: the validation reviews are
   * training data now, so there is nothing left to select on. Progress and metrics are prefixed "refit".
   */
  async #refit(
    torch: Torch,
    net: Network,
    start: ReturnType<Network["store"]["snapshot"]>,
    train: LabelledSequences,
    validation: LabelledSequences,
    config: TrainerConfig,
    options: FitOptions,
  ): Promise<Record<string, number>> {
    const started = performance.now();
    net.store.load(start);
    const labels = new Float32Array(train.labels.length + validation.labels.length);
    labels.set(train.labels);
    labels.set(validation.labels, train.labels.length);
    await trainNetwork(
      torch,
      net,
      { seqs: [...train.seqs, ...validation.seqs], labels },
      validation,
      {
        ...config,
        patience: 0,
        keep: "last",
        checkpointDir: config.checkpointDir && join(config.checkpointDir, "refit"),
      },
      {
        ...options,
        onProgress: (e) => options.onProgress?.({ ...e, phase: `refit ${e.phase}` }),
        onMetric: (name, value, step) => options.onMetric?.(`refit_${name}`, value, step),
      },
    );
    return {
      refit_epochs: config.epochs,
      train_reviews: labels.length,
      refit_seconds: (performance.now() - started) / 1000,
    };
  }

  #metadata(
    encoder: Encoder,
    metrics: Record<string, number>,
    dataSha256: string | undefined,
    training: Record<string, unknown>,
  ): ModelMetadata {
    const createdAt = new Date().toISOString();
    const digest = createHash("sha256").update(JSON.stringify(this.params)).update(createdAt).digest("hex");
    const { hyperparameters: _h, parameterCount, ...architecture } = this.describe(encoder.size);
    return {
      family: this.family,
      id: `${this.family}-${createdAt.slice(0, 10).replace(/-/g, "")}-${digest.slice(0, 8)}`,
      formatVersion: FORMAT_VERSION,
      createdAt,
      preprocessing: this.params.text.preprocess,
      hyperparameters: this.params as unknown as Record<string, unknown>,
      metrics,
      dataSha256,
      parameterCount: parameterCount as number,
      hasRating: false,
      details: { architecture, training },
    };
  }

  #require(): Fitted {
    if (!this.#fitted)
      throw new UserError(`this ${this.family} model is not trained: call fit() or load a model file`);
    return this.#fitted;
  }

  /** Raw logits in input order. */
  async logits(texts: readonly string[]): Promise<Float64Array> {
    const f = this.#require();
    const seqs = texts.map((t) => f.encoder.encode(this.#tokens(t), this.params.text.maxLength));
    return predictLogits(f.torch, f.net, seqs, 128);
  }

  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    const { platt } = this.#require();
    const z = await this.logits(texts);
    return z.map((v) => sigmoid(platt.a * v + platt.b));
  }

  async predictRating(): Promise<Float64Array | null> {
    return null;
  }

  /**
   * Occlusion: each token's contribution is how much the logit drops when that token is replaced by
   * <UNK> (one batch of all variants). Approximate: contributions need not add up to the logit.
   */
  async explain(text: string): Promise<Explanation> {
    const f = this.#require();
    const { cleaned, tokens } = tokenizeWithOffsets(text, this.params.text.preprocess);
    const base = f.encoder.encode(
      tokens.map((t) => t.token),
      this.params.text.maxLength,
    );
    const n = tokens.length === 0 ? 0 : base.length;
    const variants = [base];
    for (let i = 0; i < n; i++) {
      const v = base.slice();
      v[i] = UNK_ID;
      variants.push(v);
    }
    const logits = f.torch.noGrad(() =>
      f.torch.tidy(() => {
        const out = new Float64Array(variants.length);
        for (let s = 0; s < variants.length; s += 64) {
          const idx = Array.from({ length: Math.min(64, variants.length - s) }, (_, k) => s + k);
          const batch = makeBatch(variants, idx);
          const z = f.net.forward(batch, false).toFloat32Array();
          batch.index.forEach((k, row) => {
            out[k] = z[row];
          });
        }
        return out;
      }),
    );
    const logit = logits[0];
    return {
      text: cleaned,
      tokens: tokens.map((t, i) => ({ ...t, contribution: i < n ? logit - logits[i + 1] : 0 })),
      bias: 0,
      logit,
      probability: sigmoid(f.platt.a * logit + f.platt.b),
      method: "approximate",
    };
  }

  metadata(): ModelMetadata {
    if (!this.#meta)
      throw new UserError(`this ${this.family} model is not trained: call fit() or load a model file`);
    return this.#meta;
  }

  /** One file: the project container with metadata (vocabulary, calibration) and the weights as safetensors. */
  async save(path: string): Promise<void> {
    const f = this.#require();
    const meta = this.metadata();
    const weights = f.torch.encodeSafetensors(f.net.store.snapshot(), { family: this.family, id: meta.id });
    await writeModelFile(
      path,
      { ...meta, details: { ...meta.details, vocab: f.encoder.words, platt: f.platt } },
      { [WEIGHTS]: { data: weights } },
    );
  }

  static async load<P extends NeuralParams>(
    spec: NeuralFamilySpec<P>,
    path: string,
  ): Promise<NeuralModel<P>> {
    return NeuralModel.fromContents(spec, readModelFile(path), path);
  }

  /** From a parsed model file (`path` names it in errors; it may be an ensemble member). */
  static async fromContents<P extends NeuralParams>(
    spec: NeuralFamilySpec<P>,
    { metadata, tensors }: ModelFileContents,
    path: string,
  ): Promise<NeuralModel<P>> {
    if (metadata.family !== spec.family)
      throw new ModelFileError(`${path} holds a "${metadata.family}" model, not "${spec.family}"`);
    if (metadata.formatVersion > FORMAT_VERSION) {
      throw new ModelFileError(
        `${path}: ${spec.family} format ${metadata.formatVersion} is newer than this build reads (${FORMAT_VERSION})`,
      );
    }
    const details = metadata.details as { vocab?: string[]; platt?: Platt } | undefined;
    const blob = tensors.get(WEIGHTS);
    if (!details?.vocab || !(blob instanceof Uint8Array))
      throw new ModelFileError(`${path} is missing the vocabulary or ${WEIGHTS}`);
    const model = new NeuralModel(spec, metadata.hyperparameters);
    const torch = await loadTorch();
    const encoder = new Encoder(details.vocab);
    const net = await spec.architecture.build(torch, model.params, encoder.words, "load");
    try {
      net.store.load(torch.decodeSafetensors(blob).tensors);
    } catch (err) {
      net.store.dispose();
      throw new ModelFileError(`${path}: ${(err as Error).message}`);
    }
    model.#fitted = { torch, net, encoder, platt: details.platt ?? IDENTITY_PLATT };
    const { vocab: _v, platt: _p, ...rest } = details as Record<string, unknown>;
    model.#meta = { ...metadata, details: rest };
    return model;
  }

  /** Frees the libtorch weights. Safe to call twice. */
  dispose(): void {
    this.#fitted?.net.store.dispose();
    this.#fitted = undefined;
  }
}

/** The registry entry of a neural family: every neural family is a NeuralModel over its spec. */
export function neuralFamily<P extends NeuralParams>(
  spec: NeuralFamilySpec<P>,
  description: string,
): ModelFamily {
  return {
    family: spec.family,
    description,
    create: (hyperparameters) => new NeuralModel(spec, hyperparameters),
    load: (path) => NeuralModel.load(spec, path),
    fromContents: (contents, source) => NeuralModel.fromContents(spec, contents, source),
    canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === spec.family,
  };
}
