// Tiny synthetic review sets for the neural model tests: the sentiment is carried by a few words
// mixed into neutral filler, so a working model must learn which words matter.
import type { Review } from "../../src/data/types.ts";
import { rng } from "../../src/util/random.ts";

const POSITIVE = ["great", "wonderful", "loved", "excellent", "brilliant", "superb"];
const NEGATIVE = ["awful", "boring", "hated", "terrible", "dull", "worst"];
const FILLER = [
  "the",
  "movie",
  "plot",
  "actor",
  "scene",
  "film",
  "story",
  "was",
  "and",
  "it",
  "this",
  "a",
  "cast",
  "ending",
];

export function syntheticReviews(n: number, seed: number, prefix = "r"): Review[] {
  const random = rng(seed);
  const pick = (words: string[]) => words[Math.floor(random() * words.length)];
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    const length = 5 + Math.floor(random() * 25);
    const words = Array.from({ length }, () => pick(FILLER));
    for (let k = 0; k < 2; k++) words[Math.floor(random() * length)] = pick(label ? POSITIVE : NEGATIVE);
    return { id: `${prefix}${i}`, text: `${words.join(" ")}.`, label, group: `m${i % 37}` };
  });
}
