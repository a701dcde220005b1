// Reviews as JSON Lines, the format pipeline steps hand to each other: one Review object per line.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Review } from "../data/types.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { DataError } from "../util/errors.ts";

export async function writeReviews(path: string, reviews: readonly Review[]): Promise<void> {
  await writeFileAtomic(path, reviews.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

/** @throws DataError naming the line that is not a review. */
export async function readReviews(path: string): Promise<Review[]> {
  const out: Review[] = [];
  let line = 0;
  for await (const text of createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    line++;
    if (!text) continue;
    let r: Review;
    try {
      r = JSON.parse(text) as Review;
    } catch {
      throw new DataError(`${path} line ${line} is not valid JSON`);
    }
    if (typeof r?.id !== "string" || typeof r.text !== "string") {
      throw new DataError(`${path} line ${line} is not a review (needs string "id" and "text")`);
    }
    out.push(r);
  }
  return out;
}
