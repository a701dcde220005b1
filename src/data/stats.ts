// Descriptive statistics of a review data set: counts per split and label, text lengths in characters
// and tokens, HTML, ratings, and exact duplicate texts within and across splits (a train/test
// duplicate is leakage). Works on aclImdb (per split) and on CSV/JSONL files (one split, "all").
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { tokenize } from "../text/preprocess.ts";
import { DataError, UserError } from "../util/errors.ts";
import { readImdb } from "./imdb.ts";
import { isImdbPath, type LoadReviewsOptions, openFileBytes, streamTableReviews } from "./load.ts";
import { tableFormatFromPath } from "./table.ts";
import type { Review } from "./types.ts";

export interface LengthSummary {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface SplitStats {
  reviews: number;
  positive: number;
  negative: number;
  unlabeled: number;
  /** Reviews containing an HTML tag (e.g. `<br />`) or entity (`&amp;`). */
  withHtml: number;
  chars: LengthSummary;
  tokens: LengthSummary;
  /** Star rating (rounded) -> number of reviews; reviews without a rating are not counted. */
  ratings: Record<string, number>;
  /** Texts that occur more than once in this split, and how many copies beyond the first. */
  duplicates: { texts: number; extraCopies: number };
}

export interface DataStats {
  source: string;
  sha256: string;
  splits: Record<string, SplitStats>;
  /** For each pair of splits, the number of distinct texts found in both. */
  crossSplitDuplicates: { splits: [string, string]; texts: number }[];
  skipped: { count: number; examples: { row: number | string; reason: string }[] };
  seconds: number;
}

const HTML = /<\/?[a-zA-Z][^<>]{0,300}>|&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});/;
const MAX_SKIPPED_EXAMPLES = 10;

/** Nearest-rank percentiles of a list of lengths (sorted in place). */
export function summarizeLengths(values: Int32Array): LengthSummary {
  if (values.length === 0) return { min: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  values.sort();
  const at = (q: number) =>
    values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))];
  let sum = 0;
  for (const v of values) sum += v;
  return {
    min: values[0],
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: values[values.length - 1],
    mean: Math.round((sum / values.length) * 10) / 10,
  };
}

class SplitAccumulator {
  reviews = 0;
  positive = 0;
  negative = 0;
  unlabeled = 0;
  withHtml = 0;
  chars: number[] = [];
  tokens: number[] = [];
  ratings: Record<string, number> = {};

  add(r: Review): void {
    this.reviews++;
    if (r.label === 1) this.positive++;
    else if (r.label === 0) this.negative++;
    else this.unlabeled++;
    if (HTML.test(r.text)) this.withHtml++;
    this.chars.push(r.text.length);
    this.tokens.push(tokenize(r.text).length);
    if (r.rating !== undefined) {
      const key = String(Math.round(r.rating));
      this.ratings[key] = (this.ratings[key] ?? 0) + 1;
    }
  }
}

/** Accumulates stats review by review; memory is a few numbers and one 16-byte hash per review. */
export class StatsBuilder {
  private readonly splits = new Map<string, SplitAccumulator>();
  /** text hash -> count per split */
  private readonly texts = new Map<string, Map<string, number>>();
  private readonly skipped: DataStats["skipped"] = { count: 0, examples: [] };

  add(split: string, review: Review): void {
    let acc = this.splits.get(split);
    if (!acc) {
      acc = new SplitAccumulator();
      this.splits.set(split, acc);
    }
    acc.add(review);
    const key = createHash("sha256").update(review.text).digest("base64").slice(0, 22);
    let counts = this.texts.get(key);
    if (!counts) {
      counts = new Map();
      this.texts.set(key, counts);
    }
    counts.set(split, (counts.get(split) ?? 0) + 1);
  }

  skip(row: number | string, reason: string): void {
    this.skipped.count++;
    if (this.skipped.examples.length < MAX_SKIPPED_EXAMPLES) this.skipped.examples.push({ row, reason });
  }

  finish(source: string, sha256: string, seconds: number): DataStats {
    const names = [...this.splits.keys()];
    const dup = new Map(names.map((n) => [n, { texts: 0, extraCopies: 0 }]));
    const cross = new Map<string, number>();
    for (const counts of this.texts.values()) {
      for (const [split, c] of counts) {
        if (c > 1) {
          const d = dup.get(split)!;
          d.texts++;
          d.extraCopies += c - 1;
        }
      }
      if (counts.size > 1) {
        const present = names.filter((n) => counts.has(n));
        for (let i = 0; i < present.length; i++) {
          for (let j = i + 1; j < present.length; j++) {
            const k = `${present[i]}\u0000${present[j]}`;
            cross.set(k, (cross.get(k) ?? 0) + 1);
          }
        }
      }
    }
    const splits: Record<string, SplitStats> = {};
    for (const [name, a] of this.splits) {
      splits[name] = {
        reviews: a.reviews,
        positive: a.positive,
        negative: a.negative,
        unlabeled: a.unlabeled,
        withHtml: a.withHtml,
        chars: summarizeLengths(Int32Array.from(a.chars)),
        tokens: summarizeLengths(Int32Array.from(a.tokens)),
        ratings: Object.fromEntries(Object.entries(a.ratings).sort((x, y) => Number(x[0]) - Number(y[0]))),
        duplicates: dup.get(name)!,
      };
    }
    const crossSplitDuplicates: DataStats["crossSplitDuplicates"] = [];
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        crossSplitDuplicates.push({
          splits: [names[i], names[j]],
          texts: cross.get(`${names[i]}\u0000${names[j]}`) ?? 0,
        });
      }
    }
    return { source, sha256, splits, crossSplitDuplicates, skipped: this.skipped, seconds };
  }
}

export interface ComputeStatsOptions extends LoadReviewsOptions {
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Called as reviews are analysed (aclImdb: after reading; tables: while streaming). */
  onReviews?: (done: number, total: number | undefined) => void;
}

/** Statistics of an aclImdb archive/folder (train, test, unsup) or a CSV/TSV/JSONL/JSON file. */
export async function computeStats(path: string, options: ComputeStatsOptions = {}): Promise<DataStats> {
  const started = performance.now();
  const builder = new StatsBuilder();
  let sha256: string;
  if (options.format === "imdb" || (options.format === undefined && isImdbPath(path))) {
    const data = await readImdb(path, {
      splits: options.split ? [options.split] : undefined,
      onProgress: options.onProgress,
    });
    const total = data.train.length + data.test.length + data.unsup.length;
    let done = 0;
    for (const split of ["train", "test", "unsup"] as const) {
      for (const r of data[split]) {
        builder.add(split, r);
        if (++done % 1000 === 0) options.onReviews?.(done, total);
      }
    }
    options.onReviews?.(done, total);
    for (const s of data.skipped) builder.skip(s.path, s.reason);
    sha256 = data.sha256;
  } else {
    if (!existsSync(path)) throw new DataError(`data file not found: ${path}`);
    const format = options.format ?? tableFormatFromPath(path);
    if (!format) throw new UserError(`cannot tell the format of ${path}; use .csv, .tsv, .jsonl or .json`);
    const file = openFileBytes(path, options.onProgress);
    let done = 0;
    for await (const item of streamTableReviews(file.stream, { ...options, format, source: path })) {
      if (item.kind === "review") {
        builder.add("all", item.review);
        if (++done % 1000 === 0) options.onReviews?.(done, undefined);
      } else if (item.kind === "skipped") builder.skip(item.row, item.reason);
    }
    sha256 = file.sha256();
  }
  return builder.finish(path, sha256, (performance.now() - started) / 1000);
}
