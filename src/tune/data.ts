// Training data for tuning and cross-validation: the labelled IMDb train split (or a labelled table
// file), optionally a seeded sample of whole movies, written once as JSON Lines for the workers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImdb } from "../data/imdb.ts";
import { isImdbPath, loadReviews } from "../data/load.ts";
import { resolveDataPath } from "../data/paths.ts";
import type { Review } from "../data/types.ts";
import { writeReviews } from "../pipeline/reviewsFile.ts";
import { sampleByGroup } from "../pipeline/steps/data.ts";
import { DataError } from "../util/errors.ts";

export interface PreparedData {
  file: string;
  reviews: number;
  sha256: string;
  source: string;
  /** Removes the temporary file. */
  dispose(): void;
}

export async function prepareTrainingData(options: {
  dataPath?: string;
  limit?: number;
  seed?: number;
}): Promise<PreparedData> {
  const source = resolveDataPath(options.dataPath);
  let reviews: Review[];
  let sha256: string;
  if (isImdbPath(source)) {
    // The train split only: tuning and CV must never see the test split.
    const data = await readImdb(source, { splits: ["train"] });
    reviews = data.train;
    sha256 = data.sha256;
  } else {
    const loaded = await loadReviews(source);
    reviews = loaded.reviews;
    sha256 = loaded.sha256;
  }
  reviews = reviews.filter((r) => r.label === 0 || r.label === 1);
  if (options.limit) reviews = sampleByGroup(reviews, options.limit, options.seed ?? 0);
  if (reviews.length < 10)
    throw new DataError(`${source} has only ${reviews.length} labelled reviews; tuning needs more`);
  const dir = mkdtempSync(join(tmpdir(), "sentiment-tune-"));
  const file = join(dir, "train.jsonl");
  await writeReviews(file, reviews);
  return {
    file,
    reviews: reviews.length,
    sha256,
    source,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
