// Shared by the hf tests: where the tiny DistilBERT checkpoint lives and what its writer recorded.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const FIXTURE_DIR = resolve(import.meta.dirname, "../fixtures/tiny-distilbert-imdb");

export interface Reference {
  single: { text: string; tokens: string[]; input_ids: number[]; logits: number[] }[];
  batch: { input_ids: number[][]; attention_mask: number[][]; logits: number[][] };
}

export const reference: Reference = JSON.parse(readFileSync(join(FIXTURE_DIR, "reference.json"), "utf8"));

export function softmaxPositive(logits: number[]): number {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  return e[1] / (e[0] + e[1]);
}
