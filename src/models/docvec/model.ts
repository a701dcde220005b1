// Document vectors trained with cosine similarity, read by a logistic regression (Thongtan &
// Phienthrakul 2019; the training is in src/embeddings/docvectors.ts). fit() learns n-gram and
// document vectors on the labelled train reviews plus the unlabeled ones, then fits the classifier on
// the train reviews' vectors. Validation reviews — like test and served reviews later — are embedded
// by inference against the frozen n-gram vectors, so their scores are out-of-sample and the model
// stays inductive. Explanations are word occlusion (the vector of a text is not additive in its words).
import { z } from "zod";
import {
  buildNgramVocabulary,
  DEFAULT_DOCVECTORS,
  inferDocVectors,
  type NgramVocabulary,
  ngramOccurrences,
  samplingTable,
  toNgramIds,
  trainDocVectors,
} from "../../embeddings/docvectors.ts";
import { NgramConfigSchema } from "../../text/ngrams.ts";
import { DEFAULT_PREPROCESS, PreprocessConfigSchema, tokenize } from "../../text/preprocess.ts";
import { ModelFileError } from "../../util/errors.ts";
import { decodeFloat16, encodeFloat16 } from "../../util/float16.ts";
import { fitPlatt, type Platt, scoreValidation, sigmoid } from "../calibration.ts";
import { explainByOcclusion } from "../hf/occlusion.ts";
import { modelIdentity } from "../identity.ts";
import {
  type Explanation,
  type FitData,
  type FitOptions,
  labelsOf,
  type ModelMetadata,
  type StackableModel,
} from "../model.ts";
import {
  decodeBucketGaps,
  encodeBucketGaps,
  type ModelFileContents,
  readModelFile,
  writeModelFile,
} from "../modelFile.ts";
import { type DenseLogistic, decision, fitDenseLogistic } from "./classifier.ts";

export const FAMILY = "docvec";
const FORMAT_VERSION = 1;

export const DocVecParamsSchema = z.object({
  preprocess: PreprocessConfigSchema.default(DEFAULT_PREPROCESS),
  ngrams: NgramConfigSchema.default(DEFAULT_DOCVECTORS.ngrams),
  dim: z.number().int().min(2).max(1024).default(DEFAULT_DOCVECTORS.dim),
  minCount: z.number().int().min(1).default(5),
  negative: z.number().int().min(1).max(50).default(DEFAULT_DOCVECTORS.negative),
  scale: z.number().positive().default(DEFAULT_DOCVECTORS.scale),
  epochs: z.number().int().min(1).default(DEFAULT_DOCVECTORS.epochs),
  learningRate: z.number().positive().default(DEFAULT_DOCVECTORS.learningRate),
  inferEpochs: z.number().int().min(1).default(DEFAULT_DOCVECTORS.inferEpochs),
  inferLearningRate: z.number().positive().default(DEFAULT_DOCVECTORS.inferLearningRate),
  /** Per-example L2 penalty of the logistic regression on the (standardised) vectors. */
  l2: z.number().min(0).default(1e-4),
  /** Use the unlabeled reviews as training corpus for the vectors (the paper's setting). */
  unlabeled: z.boolean().default(true),
  /** After selection, refit the classifier on train + validation vectors (the vectors stay). */
  refit: z.boolean().default(true),
  /** Hogwild threads for training and inference (0 = one per core). */
  threads: z.number().int().min(0).default(0),
  seed: z.number().int().default(0),
});
export type DocVecParams = z.infer<typeof DocVecParamsSchema>;

interface Weights {
  vocabulary: NgramVocabulary;
  /** [vocabulary, dim] frozen n-gram vectors. */
  ngrams: Float32Array;
  table: Int32Array;
  /** Standardisation of the unit-normalised vectors, per dimension. */
  mean: Float64Array;
  std: Float64Array;
  classifier: DenseLogistic;
}

/** Unit-normalised copy of rows [n, dim] (cosine geometry: only directions carry meaning). */
function normalizeRows(x: Float32Array, dim: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length / dim; i++) {
    let nn = 0;
    for (let k = 0; k < dim; k++) nn += x[i * dim + k] ** 2;
    const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
    for (let k = 0; k < dim; k++) out[i * dim + k] = x[i * dim + k] * inv;
  }
  return out;
}

function standardizer(x: Float64Array, dim: number): { mean: Float64Array; std: Float64Array } {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k] += x[i * dim + k] / n;
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) std[k] += (x[i * dim + k] - mean[k]) ** 2 / n;
  for (let k = 0; k < dim; k++) std[k] = Math.sqrt(std[k]) + 1e-9;
  return { mean, std };
}

function standardize(
  x: Float64Array,
  dim: number,
  s: { mean: Float64Array; std: Float64Array },
): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - s.mean[i % dim]) / s.std[i % dim];
  return x;
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export class DocVecModel implements StackableModel {
  readonly family = FAMILY;
  readonly params: DocVecParams;
  private weights?: Weights;
  private platt: Platt = { a: 1, b: 0 };
  private meta?: ModelMetadata;
  validationLogits?: Float64Array;

  constructor(params: Partial<DocVecParams> | Record<string, unknown> = {}) {
    this.params = DocVecParamsSchema.parse(params);
  }

  private occurrences(texts: readonly string[]): Uint32Array[] {
    return texts.map((t) => ngramOccurrences(tokenize(t, this.params.preprocess), this.params.ngrams));
  }

  async fit(data: FitData, options: FitOptions = {}): Promise<Record<string, number>> {
    const started = performance.now();
    const p = this.params;
    const yTrain = labelsOf(data.train);
    const yVal = labelsOf(data.validation);
    const progress = (phase: string, done: number, total: number) =>
      options.onProgress?.({ phase, done, total });
    progress("tokenize", 0, 1);
    const unlabeled = p.unlabeled ? (data.unlabeled ?? []) : [];
    const corpusOcc = this.occurrences([...data.train, ...unlabeled].map((r) => r.text));
    const valOcc = this.occurrences(data.validation.map((r) => r.text));
    const vocabulary = buildNgramVocabulary(corpusOcc, p.ngrams.hashBits, p.minCount);
    const corpus = corpusOcc.map((o) => toNgramIds(o, vocabulary));
    const trained = await trainDocVectors(corpus, vocabulary, p, (e) => progress(e.phase, e.done, e.total));
    const valVectors = await inferDocVectors(
      valOcc.map((o) => toNgramIds(o, vocabulary)),
      trained.ngrams,
      trained.table,
      p,
      (e) => progress(`validation ${e.phase}`, e.done, e.total),
    );
    const D = p.dim;
    const xTrain = normalizeRows(trained.docs.subarray(0, data.train.length * D), D);
    const xVal = normalizeRows(valVectors, D);
    const s = standardizer(xTrain, D);
    standardize(xTrain, D, s);
    standardize(xVal, D, s);
    progress("classifier", 0, 1);
    const selection = fitDenseLogistic(xTrain, yTrain, D, p.l2);
    const valScores = decision(selection, xVal, D);
    this.platt = fitPlatt(valScores, yVal);
    const summary = scoreValidation(valScores, yVal, this.platt);
    this.validationLogits = summary.logits;
    let classifier = selection;
    if (p.refit) {
      const ys = new Uint8Array(yTrain.length + yVal.length);
      ys.set(yTrain);
      ys.set(yVal, yTrain.length);
      classifier = fitDenseLogistic(concat(xTrain, xVal), ys, D, p.l2);
    }
    this.weights = { vocabulary, ngrams: trained.ngrams, table: trained.table, ...s, classifier };
    const metrics = {
      val_accuracy: summary.accuracy,
      val_log_loss: summary.logLoss,
      ngrams: vocabulary.buckets.length,
      corpus_reviews: corpus.length,
      fit_seconds: (performance.now() - started) / 1000,
    };
    this.meta = this.buildMetadata(metrics, data.dataSha256);
    return metrics;
  }

  private buildMetadata(metrics: Record<string, number>, dataSha256?: string): ModelMetadata {
    const w = this.weights!;
    return {
      ...modelIdentity(FAMILY, FORMAT_VERSION, [w.ngrams, w.classifier.weights]),
      preprocessing: this.params.preprocess,
      hyperparameters: { ...this.params },
      metrics,
      dataSha256,
      parameterCount: w.ngrams.length + this.params.dim + 1,
      hasRating: false,
      details: {
        description: "document vectors trained with cosine similarity over word n-grams, logistic regression",
        calibration: { method: "platt", ...this.platt },
      },
    };
  }

  /** Calibrated logits: infer each text's vector against the frozen n-gram vectors, then classify. */
  private async logits(texts: readonly string[]): Promise<Float64Array> {
    const w = this.weights;
    if (!w) throw new Error("model is not fitted: call fit() or load a model file");
    const D = this.params.dim;
    const docs = this.occurrences(texts).map((o) => toNgramIds(o, w.vocabulary));
    const vectors = await inferDocVectors(docs, w.ngrams, w.table, this.params);
    const x = standardize(normalizeRows(vectors, D), D, w);
    return decision(w.classifier, x, D).map((z) => this.platt.a * z + this.platt.b);
  }

  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    return (await this.logits(texts)).map(sigmoid);
  }

  async predictRating(): Promise<null> {
    return null;
  }

  async explain(text: string): Promise<Explanation> {
    return explainByOcclusion(text, (t) => this.predictProba(t));
  }

  metadata(): ModelMetadata {
    if (!this.meta) throw new Error("model is not fitted: call fit() or load a model file");
    return this.meta;
  }

  async save(path: string): Promise<void> {
    const w = this.weights;
    if (!w) throw new Error("model is not fitted");
    const gaps = encodeBucketGaps(w.vocabulary.buckets);
    const meta = this.metadata();
    await writeModelFile(
      path,
      { ...meta, details: { ...meta.details, platt: this.platt, bias: w.classifier.bias } },
      {
        bucket_gaps: { data: gaps, gzip: true },
        counts: { data: Uint32Array.from(w.vocabulary.counts), gzip: true },
        ngrams_f16: { data: encodeFloat16(w.ngrams), shape: [gaps.length, this.params.dim], gzip: true },
        mean: { data: Float32Array.from(w.mean) },
        std: { data: Float32Array.from(w.std) },
        weights: { data: Float32Array.from(w.classifier.weights) },
      },
    );
  }

  static async load(path: string): Promise<DocVecModel> {
    return DocVecModel.fromContents(readModelFile(path), path);
  }

  static fromContents({ metadata, tensors }: ModelFileContents, path: string): DocVecModel {
    if (metadata.family !== FAMILY)
      throw new ModelFileError(`${path} holds a "${metadata.family}" model, not "${FAMILY}"`);
    const model = new DocVecModel(metadata.hyperparameters);
    const D = model.params.dim;
    const gaps = tensors.get("bucket_gaps") as Uint32Array | undefined;
    const counts = tensors.get("counts") as Uint32Array | undefined;
    const ngrams = tensors.get("ngrams_f16") as Uint16Array | undefined;
    const mean = tensors.get("mean") as Float32Array | undefined;
    const std = tensors.get("std") as Float32Array | undefined;
    const weights = tensors.get("weights") as Float32Array | undefined;
    const details = metadata.details as { bias?: number; platt?: Platt } | undefined;
    if (
      !gaps ||
      !counts ||
      !ngrams ||
      !mean ||
      !std ||
      !weights ||
      details?.bias === undefined ||
      counts.length !== gaps.length ||
      ngrams.length !== gaps.length * D ||
      mean.length !== D ||
      std.length !== D ||
      weights.length !== D
    ) {
      throw new ModelFileError(`${path} is missing docvec weights or has inconsistent tensor sizes`);
    }
    const vocabulary = { buckets: decodeBucketGaps(gaps), counts: Float64Array.from(counts) };
    model.weights = {
      vocabulary,
      ngrams: decodeFloat16(ngrams),
      table: samplingTable(vocabulary),
      mean: Float64Array.from(mean),
      std: Float64Array.from(std),
      classifier: { weights: Float64Array.from(weights), bias: details.bias },
    };
    model.platt = details.platt ?? { a: 1, b: 0 };
    model.meta = metadata;
    return model;
  }
}
