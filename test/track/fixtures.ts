// Small real data and models for the tracking, pipeline and tuning tests: synthetic reviews whose
// sentiment is carried by a few words (learnable in milliseconds), grouped into "movies" so
// movie-disjoint splits work, and a real nblr model trained on them.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Review } from "../../src/data/types.ts";
import { trainModel } from "../../src/train/train.ts";

const POS = ["great", "wonderful", "superb", "moving", "brilliant", "loved"];
const NEG = ["awful", "boring", "terrible", "dull", "waste", "hated"];
const FILLER = ["the", "film", "plot", "actors", "scene", "story", "camera", "music", "ending", "script"];

/** Deterministic pseudo-random generator (mulberry32), so fixtures are identical on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticReviews(n: number, seed = 1, noise = 0.1): Review[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    const words = Array.from({ length: 12 }, () => pick(FILLER));
    const cue = r() < noise ? (label ? NEG : POS) : label ? POS : NEG;
    words.splice(Math.floor(r() * words.length), 0, pick(cue), pick(cue));
    return {
      id: `syn/${i}`,
      text: `${words.join(" ")}.`,
      label,
      rating: label ? 8 : 2,
      group: `tt${String(Math.floor(i / 4)).padStart(7, "0")}`,
    };
  });
}

/** Hyperparameters that keep the nblr model tiny (4k hashed features) for tests. */
export const TINY_NBLR = { ngrams: { minN: 1, maxN: 2, hashBits: 12 }, minDf: 1, ratingEpochs: 1 };

/** Train and save a real tiny nblr model; returns its path. */
export async function tinyModel(dir: string, seed = 0, file = "model.sentiment"): Promise<string> {
  const result = await trainModel({
    family: "nblr",
    hyperparameters: TINY_NBLR,
    reviews: syntheticReviews(200, seed + 1),
    seed,
  });
  const path = join(dir, file);
  await result.model.save(path);
  return path;
}

/** A tiny aclImdb folder (train split only) built from the synthetic reviews. */
export function tinyImdbFolder(n = 120): string {
  const root = join(mkdtempSync(join(tmpdir(), "imdb-")), "aclImdb");
  const urls: Record<string, string[]> = { pos: [], neg: [] };
  syntheticReviews(n, 7).forEach((r) => {
    const folder = r.label ? "pos" : "neg";
    const dir = join(root, "train", folder);
    mkdirSync(dir, { recursive: true });
    const id = urls[folder].length;
    writeFileSync(join(dir, `${id}_${r.rating}.txt`), r.text);
    urls[folder].push(`http://www.imdb.com/title/${r.group}/usercomments`);
  });
  for (const f of ["pos", "neg"])
    writeFileSync(join(root, "train", `urls_${f}.txt`), `${urls[f].join("\n")}\n`);
  return root;
}
