// Train/validation splits that do not leak: all reviews of one movie land on the same side, as the
// IMDb test set's movies are disjoint from train's. A random split would score ~1 point optimistic.
import { rng, shuffle } from "../util/random.ts";
import type { Review } from "./types.ts";

export interface GroupSplit {
  train: Review[];
  validation: Review[];
}

/** Hold out whole groups (movies) until `validationFraction` of the reviews are in validation. */
export function splitByGroup(
  reviews: readonly Review[],
  options: { validationFraction?: number; seed?: number } = {},
): GroupSplit {
  const fraction = options.validationFraction ?? 0.2;
  const byGroup = new Map<string, Review[]>();
  for (const r of reviews) {
    const key = r.group ?? `review:${r.id}`;
    const list = byGroup.get(key);
    if (list) list.push(r);
    else byGroup.set(key, [r]);
  }
  const groups = shuffle([...byGroup.keys()].sort(), rng(options.seed ?? 0));
  const target = Math.round(reviews.length * fraction);
  const heldOut = new Set<string>();
  let count = 0;
  for (const g of groups) {
    if (count >= target) break;
    heldOut.add(g);
    count += byGroup.get(g)!.length;
  }
  const train: Review[] = [];
  const validation: Review[] = [];
  for (const r of reviews) (heldOut.has(r.group ?? `review:${r.id}`) ? validation : train).push(r);
  return { train, validation };
}

/** k folds of whole groups, each used once as validation. */
export function groupKFold(reviews: readonly Review[], k: number, seed = 0): GroupSplit[] {
  const byGroup = new Map<string, number>();
  const groups = shuffle([...new Set(reviews.map((r) => r.group ?? `review:${r.id}`))].sort(), rng(seed));
  // Greedy balancing: assign each group to the currently smallest fold.
  const sizes = new Array<number>(k).fill(0);
  const counts = new Map<string, number>();
  for (const r of reviews) {
    const g = r.group ?? `review:${r.id}`;
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  for (const g of groups) {
    let best = 0;
    for (let f = 1; f < k; f++) if (sizes[f] < sizes[best]) best = f;
    byGroup.set(g, best);
    sizes[best] += counts.get(g)!;
  }
  return Array.from({ length: k }, (_, fold) => {
    const train: Review[] = [];
    const validation: Review[] = [];
    for (const r of reviews) (byGroup.get(r.group ?? `review:${r.id}`) === fold ? validation : train).push(r);
    return { train, validation };
  });
}
