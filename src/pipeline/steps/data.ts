// Data steps of the IMDb pipeline: ingest (read labelled training reviews — never the test split),
// validate (hard checks that stop the pipeline with the reason), preprocess (drop duplicates that
// would leak across splits, token statistics) and split (hold out whole movies for the
// candidate-vs-production comparison).
import { existsSync, readdirSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { readImdb } from "../../data/imdb.ts";
import { isImdbPath, loadReviews } from "../../data/load.ts";
import { splitByGroup } from "../../data/split.ts";
import type { Review } from "../../data/types.ts";
import { DEFAULT_PREPROCESS, tokenize } from "../../text/preprocess.ts";
import { DataError } from "../../util/errors.ts";
import { rng, shuffle } from "../../util/random.ts";
import type { PipelineConfig } from "../config.ts";
import type { StepDefinition } from "../engine.ts";
import { sha256, sha256File } from "../hash.ts";
import { readReviews, writeReviews } from "../reviewsFile.ts";

/**
 * Identity of the data source, part of the ingest step's cache key: sha256 of a file, or of a
 * folder's file list with sizes and modification times (re-hashing 100k review files on every run
 * would cost more than reading them).
 */
export async function sourceDigest(path: string): Promise<string> {
  if (!existsSync(path)) throw new DataError(`data not found: ${path}`);
  if (statSync(path).isFile()) return sha256File(path);
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        parts.push(`${relative(path, p)}\t${st.size}\t${st.mtimeMs}`);
      }
    }
  };
  walk(path);
  return sha256(parts.join("\n"));
}

/** A seeded sample of whole groups (movies) holding about `limit` reviews. */
export function sampleByGroup(reviews: Review[], limit: number, seed: number): Review[] {
  if (reviews.length <= limit) return reviews;
  const groups = new Map<string, Review[]>();
  for (const r of reviews) {
    const g = r.group ?? `review:${r.id}`;
    (groups.get(g) ?? groups.set(g, []).get(g)!).push(r);
  }
  const order = shuffle([...groups.keys()].sort(), rng(seed));
  const out: Review[] = [];
  for (const g of order) {
    if (out.length >= limit) break;
    out.push(...groups.get(g)!);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

type IngestConfig = PipelineConfig["ingest"] & { path: string; sourceDigest: string };

export const ingestStep: StepDefinition<IngestConfig> = {
  name: "ingest",
  inputs: [],
  code: ["src/pipeline/steps/data.ts", "src/data"],
  async run({ config, outDir, log }) {
    let reviews: Review[];
    let skipped: number;
    let sourceSha256: string;
    if (isImdbPath(config.path)) {
      // Training data only: the test split is for final reporting, never for anything a pipeline decides.
      const data = await readImdb(config.path, { splits: ["train"] });
      reviews = data.train;
      skipped = data.skipped.length;
      sourceSha256 = data.sha256;
    } else {
      const loaded = await loadReviews(config.path);
      reviews = loaded.reviews;
      skipped = loaded.skipped.length;
      sourceSha256 = loaded.sha256;
    }
    if (config.limit) reviews = sampleByGroup(reviews, config.limit, config.seed);
    await writeReviews(join(outDir, "reviews.jsonl"), reviews);
    log(`${reviews.length} reviews (${skipped} skipped rows) from ${config.path}`);
    return { reviews: reviews.length, skipped, sourceSha256, source: config.path };
  },
};

export const validateStep: StepDefinition<PipelineConfig["validate"]> = {
  name: "validate",
  inputs: ["ingest"],
  code: ["src/pipeline/steps/data.ts"],
  async run({ config, inputs, outDir, log }) {
    const reviews = await readReviews(join(inputs.ingest.dir, "reviews.jsonl"));
    const errors: string[] = [];
    const warnings: string[] = [];
    const labelled = reviews.filter((r) => r.label === 0 || r.label === 1);
    const unlabeled = reviews.length - labelled.length;
    if (unlabeled > 0) errors.push(`${unlabeled} reviews have no 0/1 label`);
    if (labelled.length < config.minReviews) {
      errors.push(
        `only ${labelled.length} labelled reviews; at least ${config.minReviews} are required (validate.minReviews)`,
      );
    }
    const positives = labelled.filter((r) => r.label === 1).length;
    const share = labelled.length ? Math.min(positives, labelled.length - positives) / labelled.length : 0;
    if (share < config.minClassShare) {
      errors.push(
        `class balance ${positives} positive / ${labelled.length - positives} negative: the smaller class is ${(share * 100).toFixed(1)}%, below validate.minClassShare ${(config.minClassShare * 100).toFixed(1)}%`,
      );
    }
    const empty = reviews.filter((r) => r.text.trim() === "").length;
    if (empty) errors.push(`${empty} reviews are empty`);
    const long = reviews.filter((r) => r.text.length > config.maxTextLength).length;
    if (long)
      errors.push(
        `${long} reviews are longer than ${config.maxTextLength} characters (validate.maxTextLength)`,
      );
    const seen = new Set<string>();
    let duplicates = 0;
    for (const r of reviews) {
      const key = r.text.replace(/\s+/g, " ").trim();
      if (seen.has(key)) duplicates++;
      else seen.add(key);
    }
    if (duplicates / Math.max(1, reviews.length) > config.maxDuplicateShare) {
      errors.push(
        `${duplicates} duplicate texts (${((duplicates / reviews.length) * 100).toFixed(1)}%), above validate.maxDuplicateShare`,
      );
    } else if (duplicates) warnings.push(`${duplicates} duplicate texts (removed by preprocess)`);
    const noGroup = reviews.filter((r) => !r.group).length;
    if (noGroup) warnings.push(`${noGroup} reviews have no movie id: they are split one by one`);
    const report = {
      reviews: reviews.length,
      labelled: labelled.length,
      positives,
      duplicates,
      errors,
      warnings,
    };
    await writeFile(join(outDir, "validation.json"), `${JSON.stringify(report, null, 2)}\n`);
    for (const w of warnings) log(`warning: ${w}`);
    if (errors.length) throw new DataError(`data validation failed:\n  - ${errors.join("\n  - ")}`);
    log(`${labelled.length} labelled reviews, ${positives} positive; ${warnings.length} warnings`);
    return report;
  },
};

export const preprocessStep: StepDefinition<PipelineConfig["preprocess"]> = {
  name: "preprocess",
  inputs: ["ingest", "validate"],
  code: ["src/pipeline/steps/data.ts", "src/text/preprocess.ts"],
  async run({ config, inputs, outDir, log }) {
    const reviews = await readReviews(join(inputs.ingest.dir, "reviews.jsonl"));
    let kept = reviews;
    let conflicting = 0;
    if (config.dedupe) {
      // Identical texts would land on both sides of a split (leakage); identical texts with different
      // labels are noise: all copies go.
      const byText = new Map<string, Review[]>();
      for (const r of reviews) {
        const key = r.text.replace(/\s+/g, " ").trim();
        (byText.get(key) ?? byText.set(key, []).get(key)!).push(r);
      }
      kept = [];
      for (const copies of byText.values()) {
        if (new Set(copies.map((c) => c.label)).size > 1) conflicting += copies.length;
        else kept.push(copies[0]);
      }
      kept.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    // Token statistics with the project tokenizer (the models apply their own recorded config).
    let tokens = 0;
    const vocab = new Set<string>();
    for (const r of kept) {
      const t = tokenize(r.text, DEFAULT_PREPROCESS);
      tokens += t.length;
      for (const w of t) vocab.add(w);
    }
    const stats = {
      input: reviews.length,
      kept: kept.length,
      duplicatesRemoved: reviews.length - kept.length - conflicting,
      conflictingLabelsRemoved: conflicting,
      meanTokens: kept.length ? tokens / kept.length : 0,
      vocabulary: vocab.size,
    };
    await writeReviews(join(outDir, "reviews.jsonl"), kept);
    await writeFile(join(outDir, "stats.json"), `${JSON.stringify(stats, null, 2)}\n`);
    log(
      `${kept.length} reviews kept, ${stats.duplicatesRemoved} duplicates and ${conflicting} conflicting copies removed`,
    );
    return stats;
  },
};

export const splitStep: StepDefinition<PipelineConfig["split"]> = {
  name: "split",
  inputs: ["preprocess"],
  code: ["src/pipeline/steps/data.ts", "src/data/split.ts"],
  async run({ config, inputs, outDir, log }) {
    const reviews = await readReviews(join(inputs.preprocess.dir, "reviews.jsonl"));
    const { train, validation: holdout } = splitByGroup(reviews, {
      validationFraction: config.holdoutFraction,
      seed: config.seed,
    });
    if (holdout.length === 0 || train.length === 0) {
      throw new DataError(
        `split left ${train.length} training and ${holdout.length} holdout reviews; need both`,
      );
    }
    await writeReviews(join(outDir, "train.jsonl"), train);
    await writeReviews(join(outDir, "holdout.jsonl"), holdout);
    log(`${train.length} train / ${holdout.length} holdout reviews (disjoint by movie)`);
    return { train: train.length, holdout: holdout.length };
  },
};
