// Stacked ensemble: member models (any families that keep out-of-sample validation logits) are
// combined by a logistic regression on their calibrated logits, fitted on the validation split:
//   logit = β₀ + Σ_k β_k · logit_k
// The stacker is also the ensemble's calibration. Members are stored inside the ensemble's own
// model file, so it ships and verifies as one file.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ModelFileError, UserError } from "../../util/errors.ts";
import { solve } from "../../util/linalg.ts";
import { logit, sigmoid } from "../calibration.ts";
import { modelIdentity } from "../identity.ts";
import type {
  Explanation,
  FitData,
  FitOptions,
  ModelMetadata,
  SentimentModel,
  StackableModel,
} from "../model.ts";
import { type ModelFileContents, parseModelFile, readModelFile, writeModelFile } from "../modelFile.ts";
import { getFamily } from "../registry.ts";

export const FAMILY = "ensemble";
const FORMAT_VERSION = 1;

export const EnsembleParamsSchema = z.object({
  members: z
    .array(z.object({ family: z.string(), hyperparameters: z.record(z.string(), z.unknown()).default({}) }))
    .min(2),
  /** L2 penalty on the stacking weights (the validation split is small next to the members' capacity). */
  l2: z.number().min(0).default(1e-3),
  seed: z.number().int().default(0),
});
export type EnsembleParams = z.infer<typeof EnsembleParamsSchema>;

/** Logistic regression on a few dense features by Newton's method (k+1 parameters). */
export function fitStacker(
  features: Float64Array[],
  labels: Uint8Array,
  l2: number,
): { weights: number[]; bias: number } {
  const k = features.length;
  const n = labels.length;
  const theta = new Array<number>(k + 1).fill(0);
  for (let j = 0; j < k; j++) theta[j] = 1 / k;
  const x = (i: number, j: number) => (j === k ? 1 : features[j][i]);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Array<number>(k + 1).fill(0);
    const hess = Array.from({ length: k + 1 }, () => new Array<number>(k + 1).fill(0));
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j <= k; j++) z += theta[j] * x(i, j);
      const p = sigmoid(z);
      const w = p * (1 - p);
      for (let a = 0; a <= k; a++) {
        grad[a] += (p - labels[i]) * x(i, a);
        for (let b = 0; b <= k; b++) hess[a][b] += w * x(i, a) * x(i, b);
      }
    }
    for (let a = 0; a < k; a++) {
      grad[a] += l2 * n * theta[a];
      hess[a][a] += l2 * n;
    }
    for (let a = 0; a <= k; a++) hess[a][a] += 1e-9;
    const step = solve(hess, grad);
    let change = 0;
    for (let j = 0; j <= k; j++) {
      theta[j] -= step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < 1e-10) break;
  }
  return { weights: theta.slice(0, k), bias: theta[k] };
}

export class EnsembleModel implements SentimentModel {
  readonly family = FAMILY;
  readonly params: EnsembleParams;
  private members: SentimentModel[] = [];
  private stacker = { weights: [] as number[], bias: 0 };
  private meta?: ModelMetadata;

  constructor(params: Partial<EnsembleParams> | Record<string, unknown> = {}) {
    this.params = EnsembleParamsSchema.parse(params);
  }

  async fit(data: FitData, options: FitOptions = {}): Promise<Record<string, number>> {
    const started = performance.now();
    const labels = Uint8Array.from(data.validation, (r) => r.label ?? 0);
    const logits: Float64Array[] = [];
    const memberMetrics: Record<string, number> = {};
    this.members = [];
    for (const [k, spec] of this.params.members.entries()) {
      const member = (await getFamily(spec.family)).create({
        ...spec.hyperparameters,
        seed: this.params.seed,
      }) as StackableModel;
      const metrics = await member.fit(data, {
        ...options,
        onProgress: (e) => options.onProgress?.({ ...e, phase: `${spec.family}: ${e.phase}` }),
      });
      if (!member.validationLogits) {
        throw new UserError(
          `family "${spec.family}" does not keep validation logits, so it cannot be stacked`,
        );
      }
      logits.push(member.validationLogits);
      for (const [name, value] of Object.entries(metrics))
        memberMetrics[`member${k}_${spec.family}_${name}`] = value;
      this.members.push(member);
    }
    this.stacker = fitStacker(logits, labels, this.params.l2);
    let correct = 0;
    for (let i = 0; i < labels.length; i++) {
      let z = this.stacker.bias;
      for (let k = 0; k < logits.length; k++) z += this.stacker.weights[k] * logits[k][i];
      if ((z > 0 ? 1 : 0) === labels[i]) correct++;
    }
    const metrics = {
      // In-sample for the (k+1)-parameter stacker; the members' own validation scores are out-of-sample.
      val_accuracy_stacked: correct / labels.length,
      ...memberMetrics,
      fit_seconds: (performance.now() - started) / 1000,
    };
    this.meta = this.buildMetadata(metrics, data.dataSha256);
    return metrics;
  }

  private buildMetadata(metrics: Record<string, number>, dataSha256?: string): ModelMetadata {
    const memberMeta = this.members.map((m) => m.metadata());
    return {
      ...modelIdentity(FAMILY, FORMAT_VERSION, [
        ...memberMeta.map((m) => m.id),
        JSON.stringify(this.stacker),
      ]),
      preprocessing: memberMeta[0].preprocessing,
      hyperparameters: { ...this.params },
      metrics,
      dataSha256,
      parameterCount:
        memberMeta.reduce((s, m) => s + (m.parameterCount ?? 0), 0) + this.stacker.weights.length + 1,
      hasRating: memberMeta.some((m) => m.hasRating),
      details: {
        description: `stacked ensemble of ${memberMeta.map((m) => m.family).join(" + ")}`,
        stacker: this.stacker,
        members: memberMeta.map((m) => ({ id: m.id, family: m.family })),
      },
    };
  }

  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    if (this.members.length === 0) throw new Error("model is not fitted: call fit() or load a model file");
    const out = new Float64Array(texts.length).fill(this.stacker.bias);
    for (const [k, member] of this.members.entries()) {
      const p = await member.predictProba(texts);
      for (let i = 0; i < texts.length; i++) out[i] += this.stacker.weights[k] * logit(p[i]);
    }
    return out.map(sigmoid);
  }

  async predictRating(texts: readonly string[]): Promise<Float64Array | null> {
    for (const member of this.members) if (member.metadata().hasRating) return member.predictRating(texts);
    return null;
  }

  /** Exact when every member is: contributions are the members' weighted by the stacker. */
  async explain(text: string): Promise<Explanation> {
    const parts = await Promise.all(this.members.map((m) => m.explain(text)));
    const base = parts[0];
    const aligned = parts.every(
      (e) =>
        e.text === base.text &&
        e.tokens.length === base.tokens.length &&
        e.tokens.every((t, i) => t.start === base.tokens[i].start && t.end === base.tokens[i].end),
    );
    if (!aligned)
      throw new UserError("ensemble members tokenize differently; explanation cannot be combined");
    const w = this.stacker.weights;
    const bias = parts.reduce((s, e, k) => s + w[k] * e.bias, this.stacker.bias);
    const tokens = base.tokens.map((t, i) => ({
      ...t,
      contribution: parts.reduce((s, e, k) => s + w[k] * e.tokens[i].contribution, 0),
    }));
    const z = tokens.reduce((s, t) => s + t.contribution, bias);
    const features = parts
      .flatMap((e, k) =>
        (e.features ?? []).map((f) => ({
          feature: `${this.members[k].family}: ${f.feature}`,
          contribution: w[k] * f.contribution,
        })),
      )
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return {
      text: base.text,
      tokens,
      bias,
      logit: z,
      probability: sigmoid(z),
      method: parts.every((e) => e.method === "exact") ? "exact" : "approximate",
      features,
    };
  }

  metadata(): ModelMetadata {
    if (!this.meta) throw new Error("model is not fitted: call fit() or load a model file");
    return this.meta;
  }

  async dispose(): Promise<void> {
    for (const member of this.members) await member.dispose?.();
  }

  async save(path: string): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "ensemble-"));
    try {
      const tensors: Record<string, { data: Uint8Array }> = {};
      for (const [k, member] of this.members.entries()) {
        const file = join(dir, `member-${k}.sentiment`);
        await member.save(file);
        tensors[`member_${k}`] = { data: new Uint8Array(readFileSync(file)) };
      }
      await writeModelFile(path, this.metadata(), tensors);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  static async load(path: string): Promise<EnsembleModel> {
    return EnsembleModel.fromContentsAsync(readModelFile(path), path);
  }

  static async fromContentsAsync(
    { metadata, tensors }: ModelFileContents,
    path: string,
  ): Promise<EnsembleModel> {
    if (metadata.family !== FAMILY)
      throw new ModelFileError(`${path} holds a "${metadata.family}" model, not "${FAMILY}"`);
    const model = new EnsembleModel(metadata.hyperparameters);
    const details = metadata.details as { stacker?: { weights: number[]; bias: number } } | undefined;
    if (!details?.stacker || details.stacker.weights.length !== model.params.members.length) {
      throw new ModelFileError(`${path} is missing the ensemble's stacking weights`);
    }
    for (const [k, spec] of model.params.members.entries()) {
      const bytes = tensors.get(`member_${k}`);
      if (!bytes) throw new ModelFileError(`${path} is missing ensemble member ${k}`);
      const family = await getFamily(spec.family);
      if (!family.fromContents)
        throw new ModelFileError(`family "${spec.family}" cannot be embedded in an ensemble`);
      const source = `${path}#member_${k}`;
      model.members.push(
        await family.fromContents(
          parseModelFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), source),
          source,
        ),
      );
    }
    model.stacker = details.stacker;
    model.meta = metadata;
    return model;
  }
}
