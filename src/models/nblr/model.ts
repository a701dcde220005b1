// NB-weighted logistic regression on binary hashed word n-grams (NBSVM-style, Wang & Manning 2012),
// with a ridge-regression head for the 1-10 star rating on the same features.
//
//   fit:  tokens -> hashed 1..3-grams -> binary rows -> NB log-count ratio r
//         -> logistic regression on x·r for each C, best C on the validation split
//         -> Platt calibration on validation scores -> refit on train + validation
//   serve: one table lookup per n-gram; logit = Σ v_j + b with v_j = w_j·r_j folded at save time.
import { z } from "zod";
import type { Review } from "../../data/types.ts";
import { countNgrams, NgramConfigSchema, ngramBuckets } from "../../text/ngrams.ts";
import { DEFAULT_PREPROCESS, PreprocessConfigSchema, tokenize } from "../../text/preprocess.ts";
import { sentences } from "../../text/sentences.ts";
import { ModelFileError, UserError } from "../../util/errors.ts";
import { decodeFloat16, encodeFloat16 } from "../../util/float16.ts";
import { leastSquares } from "../../util/linalg.ts";
import { rng, shuffle } from "../../util/random.ts";
import { fitPlatt, IDENTITY_PLATT, type Platt, sigmoid } from "../calibration.ts";
import { explainNgrams } from "../explainNgrams.ts";
import { modelIdentity } from "../identity.ts";
import {
  type Explanation,
  type FitData,
  type FitOptions,
  labelsOf,
  type ModelMetadata,
  type ProgressEvent,
  type StackableModel,
} from "../model.ts";
import {
  decodeBucketGaps,
  encodeBucketGaps,
  type ModelFileContents,
  readModelFile,
  writeModelFile,
} from "../modelFile.ts";
import { compactColumns, concatRows, featurize, nbRatio, remapRows, selectRows } from "./features.ts";
import { type BinaryCsr, decisionFunction, fitLogisticDual, fitRidgeDual } from "./solver.ts";
import { WeightTable } from "./table.ts";

export const FAMILY = "nblr";
export const FORMAT_VERSION = 1;

export const NblrParamsSchema = z.object({
  preprocess: PreprocessConfigSchema.default(DEFAULT_PREPROCESS),
  ngrams: NgramConfigSchema.default({ minN: 1, maxN: 3, hashBits: 24 }),
  /** Drop n-grams seen in fewer training documents: they add size, not accuracy. */
  minDf: z.number().int().min(1).default(3),
  /** Additive smoothing of the NB counts. */
  nbAlpha: z.number().positive().default(1),
  /** Inverse regularisation; a list is searched on the validation split. */
  C: z.union([z.number().positive(), z.array(z.number().positive()).min(1)]).default([0.1, 0.3, 1]),
  ratingC: z.number().positive().default(0.05),
  ratingEpochs: z.number().int().positive().default(10),
  /** Retrain on train + validation with the chosen C (calibration stays the validation fit's). */
  refit: z.boolean().default(true),
  maxEpochs: z.number().int().positive().default(30),
  tolerance: z.number().positive().default(0.1),
  /** Keep only the most influential features in the saved model (size vs accuracy). */
  maxFeatures: z.number().int().positive().optional(),
  /**
   * Extra training examples per review: up to this many of its sentences, each labelled like the
   * review. Teaches the model what short texts look like, which full-length IMDb reviews do not.
   */
  augmentSentences: z.number().int().min(0).default(0),
  /** Weight (relative C) of the sentence examples: they are noisier than whole reviews. */
  augmentWeight: z.number().positive().max(1).default(0.3),
  seed: z.number().int().default(0),
});
export type NblrParams = z.infer<typeof NblrParamsSchema>;

/** What a fitted model is: features (hashed buckets) and their folded weights, plus calibration. */
interface Fitted {
  buckets: Uint32Array;
  classWeights: Float32Array;
  ratingWeights: Float32Array;
  classBias: number;
  ratingBias: number;
  /** rating = c0 + c1·ridge + c2·P(positive), fitted on validation (see fit). */
  ratingBlend: [number, number, number];
  platt: Platt;
}

const AUGMENTED = "#sentence";

/** Add up to `k` random sentences (of 3+ words) of each review as extra examples with its labels. */
function augmentWithSentences(reviews: readonly Review[], k: number, seed: number): Review[] {
  const random = rng(seed + 1);
  const out: Review[] = [...reviews];
  for (const r of reviews) {
    const candidates = sentences(r.text).filter((s) => s.split(/\s+/).length >= 3);
    shuffle(candidates, random);
    for (const s of candidates.slice(0, k)) out.push({ id: `${r.id}${AUGMENTED}`, text: s, label: r.label });
  }
  return out;
}

function requireBothClasses(labels: Uint8Array, split: string): void {
  const positives = labels.reduce((s, y) => s + y, 0);
  if (positives === 0 || positives === labels.length) {
    throw new UserError(
      `the ${split} split needs positive and negative reviews (got ${labels.length}, ${positives} positive)`,
    );
  }
}

function accuracy(scores: Float64Array, labels: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < scores.length; i++) if ((scores[i] > 0 ? 1 : 0) === labels[i]) ok++;
  return ok / scores.length;
}

/** Mean absolute error of clamped 1-10 predictions where a rating is known. */
function ratingMae(predicted: Float64Array, truth: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (Number.isNaN(truth[i])) continue;
    sum += Math.abs(Math.min(10, Math.max(1, predicted[i])) - truth[i]);
    n++;
  }
  return n ? sum / n : Number.NaN;
}

function logLoss(scores: Float64Array, labels: Uint8Array, platt: Platt): number {
  let s = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(platt.a * scores[i] + platt.b)));
    s -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return s / scores.length;
}

export class NblrModel implements StackableModel {
  readonly family = FAMILY;
  readonly params: NblrParams;
  private fitted?: Fitted;
  /** Calibrated validation logits of the selection fit (out-of-sample), for stacking in ensembles. */
  validationLogits?: Float64Array;
  private table?: WeightTable;
  private meta?: ModelMetadata;
  // predict() asks for probabilities and ratings of the same batch; both come from one pass, so the
  // last batch's results are kept and reused when the same array is asked for again.
  private lastBatch?: { texts: readonly string[]; proba: Float64Array; rating: Float64Array };

  constructor(params: Partial<NblrParams> | Record<string, unknown> = {}) {
    this.params = NblrParamsSchema.parse(params);
  }

  async fit(data: FitData, options: FitOptions = {}): Promise<Record<string, number>> {
    const started = performance.now();
    const p = this.params;
    if (p.augmentSentences > 0)
      data = { ...data, train: augmentWithSentences(data.train, p.augmentSentences, p.seed) };
    const dim = 2 ** p.ngrams.hashBits;
    const progress = options.onProgress;
    const total = data.train.length + data.validation.length;
    const yTrain = labelsOf(data.train);
    const yVal = labelsOf(data.validation);
    requireBothClasses(yTrain, "training");
    requireBothClasses(yVal, "validation");
    const featurizeAll = (reviews: readonly Review[], offset: number) =>
      featurize(
        reviews.map((r) => r.text),
        p.preprocess,
        p.ngrams,
        (done) => progress?.({ phase: "featurize", done: offset + done, total }),
      );
    const xTrainRaw = featurizeAll(data.train, 0);
    const xValRaw = featurizeAll(data.validation, data.train.length);
    progress?.({ phase: "featurize", done: total, total });
    const weightsTrain = Float32Array.from(data.train, (r) =>
      r.id.endsWith(AUGMENTED) ? p.augmentWeight : 1,
    );
    const ratingsTrain = Float64Array.from(data.train, (r) => r.rating ?? Number.NaN);
    const ratingsVal = Float64Array.from(data.validation, (r) => r.rating ?? Number.NaN);

    // 1. Model selection on the validation split.
    const { x: xTrain, buckets } = compactColumns(xTrainRaw, dim, p.minDf);
    const xVal = remapRows(xValRaw, buckets, dim);
    const r = nbRatio(xTrain, yTrain, buckets.length, p.nbAlpha);
    const grid = Array.isArray(p.C) ? p.C : [p.C];
    let best: { C: number; accuracy: number; logLoss: number; scores: Float64Array } = {
      C: grid[0],
      accuracy: -1,
      logLoss: Number.POSITIVE_INFINITY,
      scores: new Float64Array(0),
    };
    for (const [k, C] of grid.entries()) {
      const weights = fitLogisticDual(xTrain, r, yTrain, buckets.length, {
        C,
        sampleWeights: weightsTrain,
        maxEpochs: p.maxEpochs,
        tolerance: p.tolerance,
        seed: p.seed,
        onEpoch: (epoch) =>
          progress?.({ phase: `select C (${k + 1}/${grid.length})`, done: epoch, total: p.maxEpochs }),
      });
      const scores = decisionFunction(xVal, r, weights);
      const acc = accuracy(scores, yVal);
      const ll = logLoss(scores, yVal, fitPlatt(scores, yVal));
      options.onMetric?.(`val_accuracy_C_${C}`, acc, k);
      if (acc > best.accuracy || (acc === best.accuracy && ll < best.logLoss))
        best = { C, accuracy: acc, logLoss: ll, scores };
    }
    const platt = fitPlatt(best.scores, yVal);
    this.validationLogits = best.scores.map((z) => platt.a * z + platt.b);
    // The ridge head alone pulls short texts (few features) to the mean rating; blending it with the
    // calibrated probability, which knows their polarity, is fitted on validation (3 coefficients).
    const selectionRating = this.fitRating(xTrain, r, ratingsTrain, buckets.length, progress);
    const valRidge = decisionFunction(xVal, r, selectionRating.weights).map((z) => z + selectionRating.mean);
    const valProba = this.validationLogits.map(sigmoid);
    const [c0, c1, c2] = leastSquares([valRidge, valProba], ratingsVal);
    const ratingBlend: [number, number, number] = [c0, c1, c2];
    const valRatingMae = ratingMae(
      valRidge.map((z, i) => c0 + c1 * z + c2 * valProba[i]),
      ratingsVal,
    );

    // 2. Final weights: refit on everything labelled, or keep the selection fit.
    let final: {
      xs: BinaryCsr;
      ys: Uint8Array;
      weights: Float32Array;
      ratings: Float64Array;
      buckets: Uint32Array;
      r: Float32Array;
    };
    if (p.refit) {
      const all = compactColumns(concatRows(xTrainRaw, xValRaw), dim, p.minDf);
      const ys = new Uint8Array(yTrain.length + yVal.length);
      ys.set(yTrain);
      ys.set(yVal, yTrain.length);
      const ratings = new Float64Array(ys.length);
      ratings.set(ratingsTrain);
      ratings.set(ratingsVal, ratingsTrain.length);
      const weights = new Float32Array(ys.length).fill(1);
      weights.set(weightsTrain);
      final = {
        xs: all.x,
        ys,
        weights,
        ratings,
        buckets: all.buckets,
        r: nbRatio(all.x, ys, all.buckets.length, p.nbAlpha),
      };
    } else {
      final = { xs: xTrain, ys: yTrain, weights: weightsTrain, ratings: ratingsTrain, buckets, r };
    }
    const classFit = fitLogisticDual(final.xs, final.r, final.ys, final.buckets.length, {
      C: best.C,
      sampleWeights: final.weights,
      maxEpochs: p.maxEpochs,
      tolerance: p.tolerance,
      seed: p.seed,
      onEpoch: (epoch) => progress?.({ phase: "fit", done: epoch, total: p.maxEpochs }),
    });
    const ratingFit = p.refit
      ? this.fitRating(final.xs, final.r, final.ratings, final.buckets.length, progress)
      : selectionRating;
    const classWeights = new Float32Array(final.buckets.length);
    const ratingWeights = new Float32Array(final.buckets.length);
    for (let j = 0; j < final.buckets.length; j++) {
      classWeights[j] = classFit.w[j] * final.r[j];
      ratingWeights[j] = ratingFit.weights.w[j] * final.r[j];
    }
    this.setFitted(
      this.prune({
        buckets: final.buckets,
        classWeights,
        ratingWeights,
        classBias: classFit.bias,
        ratingBias: ratingFit.weights.bias + ratingFit.mean,
        ratingBlend,
        platt,
      }),
    );
    const metrics = {
      val_accuracy: best.accuracy,
      val_log_loss: logLoss(best.scores, yVal, platt),
      val_rating_mae: valRatingMae,
      C: best.C,
      features: this.fitted!.buckets.length,
      train_reviews: final.weights.filter((w) => w === 1).length,
      train_examples: final.ys.length,
      fit_seconds: (performance.now() - started) / 1000,
    };
    this.meta = this.buildMetadata(metrics, data.dataSha256);
    return metrics;
  }

  private fitRating(
    x: BinaryCsr,
    r: Float32Array,
    ratings: Float64Array,
    dim: number,
    progress?: (e: ProgressEvent) => void,
  ) {
    // Only rows with a known rating take part; targets are centred so the bias starts near zero.
    const rows: number[] = [];
    let sum = 0;
    for (let i = 0; i < ratings.length; i++) {
      if (!Number.isNaN(ratings[i])) {
        rows.push(i);
        sum += ratings[i];
      }
    }
    const mean = rows.length ? sum / rows.length : 5.5;
    if (rows.length === 0) return { weights: { w: new Float64Array(dim), bias: 0 }, mean };
    const sub = rows.length === x.rows ? x : selectRows(x, rows);
    const targets = Float64Array.from(rows, (i) => ratings[i] - mean);
    const weights = fitRidgeDual(sub, r, targets, dim, {
      C: this.params.ratingC,
      seed: this.params.seed,
      maxEpochs: this.params.ratingEpochs,
      onEpoch: (epoch, delta) =>
        progress?.({ phase: "fit rating", done: epoch, total: this.params.ratingEpochs, metrics: { delta } }),
    });
    return { weights, mean };
  }

  /** Keep the `maxFeatures` largest-magnitude class weights (ties to rating weights are irrelevant). */
  private prune(f: Fitted): Fitted {
    const max = this.params.maxFeatures;
    if (!max || f.buckets.length <= max) return f;
    const order = Array.from(f.buckets.keys()).sort(
      (a, b) => Math.abs(f.classWeights[b]) - Math.abs(f.classWeights[a]),
    );
    const keep = order.slice(0, max).sort((a, b) => f.buckets[a] - f.buckets[b]);
    return {
      ...f,
      buckets: Uint32Array.from(keep, (k) => f.buckets[k]),
      classWeights: Float32Array.from(keep, (k) => f.classWeights[k]),
      ratingWeights: Float32Array.from(keep, (k) => f.ratingWeights[k]),
    };
  }

  private setFitted(f: Fitted): void {
    this.fitted = f;
    this.table = new WeightTable(f.buckets, f.classWeights, f.ratingWeights);
    this.lastBatch = undefined;
  }

  private buildMetadata(metrics: Record<string, number>, dataSha256?: string): ModelMetadata {
    const f = this.fitted!;
    return {
      ...modelIdentity(FAMILY, FORMAT_VERSION, [
        f.buckets,
        f.classWeights,
        f.ratingWeights,
        JSON.stringify(f.ratingBlend),
      ]),
      preprocessing: this.params.preprocess,
      hyperparameters: { ...this.params },
      metrics,
      dataSha256,
      parameterCount: f.buckets.length * 2 + 2,
      hasRating: true,
      details: {
        description: "NB-weighted logistic regression on binary hashed word n-grams, ridge rating head",
        calibration: { method: "platt", ...f.platt },
      },
    };
  }

  private requireFitted(): { f: Fitted; table: WeightTable } {
    if (!this.fitted || !this.table) throw new Error("model is not fitted: call fit() or load a model file");
    return { f: this.fitted, table: this.table };
  }

  private score(texts: readonly string[]): { proba: Float64Array; rating: Float64Array } {
    if (this.lastBatch?.texts === texts) return this.lastBatch;
    const { f, table } = this.requireFitted();
    const { preprocess, ngrams } = this.params;
    const proba = new Float64Array(texts.length);
    const rating = new Float64Array(texts.length);
    let scratch = new Uint32Array(4096);
    for (let i = 0; i < texts.length; i++) {
      const tokens = tokenize(texts[i], preprocess);
      const need = countNgrams(tokens.length, ngrams);
      if (need > scratch.length) scratch = new Uint32Array(need * 2);
      const buckets = ngramBuckets(tokens, ngrams, scratch);
      let z = f.classBias;
      let s = f.ratingBias;
      for (let k = 0; k < buckets.length; k++) {
        const slot = table.slot(buckets[k]);
        if (slot < 0) continue;
        z += table.classWeight(slot);
        s += table.ratingWeight(slot);
      }
      proba[i] = sigmoid(f.platt.a * z + f.platt.b);
      const [c0, c1, c2] = f.ratingBlend;
      rating[i] = Math.min(10, Math.max(1, c0 + c1 * s + c2 * proba[i]));
    }
    this.lastBatch = { texts, proba, rating };
    return this.lastBatch;
  }

  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    return this.score(texts).proba;
  }

  async predictRating(texts: readonly string[]): Promise<Float64Array> {
    return this.score(texts).rating;
  }

  /**
   * Exact additive explanation in calibrated log-odds: each n-gram that fires contributes a·v_j,
   * shared equally between its occurrences and, within one, between its tokens. So
   * bias + Σ token contributions == logit and sigmoid(logit) == predictProba.
   */
  async explain(text: string): Promise<Explanation> {
    const { f, table } = this.requireFitted();
    const contributions = (buckets: number[]) => {
      const out = new Map<number, number>();
      for (const bucket of buckets) {
        const slot = table.slot(bucket);
        if (slot >= 0) out.set(bucket, f.platt.a * table.classWeight(slot));
      }
      return out;
    };
    const bias = f.platt.a * f.classBias + f.platt.b;
    return explainNgrams(text, this.params.preprocess, this.params.ngrams, contributions, bias);
  }

  metadata(): ModelMetadata {
    if (!this.meta) throw new Error("model is not fitted: call fit() or load a model file");
    return this.meta;
  }

  /** Record evaluation results (e.g. test metrics) in the metadata saved with the model. */
  addMetrics(metrics: Record<string, number>): void {
    const meta = this.metadata();
    this.meta = { ...meta, metrics: { ...meta.metrics, ...metrics } };
  }

  async save(path: string): Promise<void> {
    const { f } = this.requireFitted();
    const gaps = encodeBucketGaps(f.buckets);
    const meta = this.metadata();
    await writeModelFile(
      path,
      {
        ...meta,
        details: {
          ...meta.details,
          biases: { class: f.classBias, rating: f.ratingBias },
          platt: f.platt,
          ratingBlend: f.ratingBlend,
        },
      },
      {
        bucket_gaps: { data: gaps, gzip: true },
        class_weights_f16: { data: encodeFloat16(f.classWeights), gzip: true },
        rating_weights_f16: { data: encodeFloat16(f.ratingWeights), gzip: true },
      },
    );
  }

  static async load(path: string): Promise<NblrModel> {
    return NblrModel.fromContents(readModelFile(path), path);
  }

  static fromContents({ metadata, tensors }: ModelFileContents, path: string): NblrModel {
    if (metadata.family !== FAMILY)
      throw new ModelFileError(`${path} holds a "${metadata.family}" model, not "${FAMILY}"`);
    if (metadata.formatVersion > FORMAT_VERSION) {
      throw new ModelFileError(
        `${path}: nblr format ${metadata.formatVersion} is newer than this build reads (${FORMAT_VERSION})`,
      );
    }
    const gaps = tensors.get("bucket_gaps") as Uint32Array | undefined;
    const cw = tensors.get("class_weights_f16") as Uint16Array | undefined;
    const rw = tensors.get("rating_weights_f16") as Uint16Array | undefined;
    const details = metadata.details as
      | { biases?: { class: number; rating: number }; platt?: Platt; ratingBlend?: [number, number, number] }
      | undefined;
    if (!gaps || !cw || !rw || !details?.biases || cw.length !== gaps.length || rw.length !== gaps.length) {
      throw new ModelFileError(`${path} is missing nblr weights or has inconsistent tensor sizes`);
    }
    const buckets = decodeBucketGaps(gaps);
    const model = new NblrModel(metadata.hyperparameters);
    model.setFitted({
      buckets,
      classWeights: decodeFloat16(cw),
      ratingWeights: decodeFloat16(rw),
      classBias: details.biases.class,
      ratingBias: details.biases.rating,
      platt: details.platt ?? IDENTITY_PLATT,
      ratingBlend: details.ratingBlend ?? [0, 1, 0],
    });
    model.meta = metadata;
    return model;
  }
}
