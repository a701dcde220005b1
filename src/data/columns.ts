// Which columns of a table hold the review text, label, rating and group, and how one row becomes a
// Review — or a reason why it cannot. Shared by loadReviews, `sentiment predict` and the server.
import { DataError } from "../util/errors.ts";
import type { Polarity, Review } from "./types.ts";

/** Names tried, in order and ignoring case, when no column is given explicitly. */
export const TEXT_COLUMN_NAMES = [
  "text",
  "review",
  "content",
  "sentence",
  "body",
  "comment",
  "document",
  "review_text",
];
export const LABEL_COLUMN_NAMES = ["sentiment", "label", "polarity"];
export const RATING_COLUMN_NAMES = ["rating", "stars"];
export const GROUP_COLUMN_NAMES = ["group", "movie", "movie_id"];

/**
 * Longest review text accepted, in characters. The longest IMDb review is 13,704 characters; 100k
 * leaves room for long-form reviews while keeping one row from dominating a batch.
 */
export const DEFAULT_MAX_TEXT_LENGTH = 100_000;

export interface ColumnOptions {
  /** Column holding the text; default: the first of TEXT_COLUMN_NAMES present. */
  textColumn?: string;
  /** Column holding the label; `false` ignores labels. Default: first of LABEL_COLUMN_NAMES present. */
  labelColumn?: string | false;
  /** Column holding a 1-10 rating; `false` ignores it. Default: first of RATING_COLUMN_NAMES present. */
  ratingColumn?: string | false;
  /** Column naming the group (movie) for leakage-free splits; `false` ignores it. */
  groupColumn?: string | false;
}

export interface ColumnMapping {
  text: string;
  label?: string;
  rating?: string;
  group?: string;
}

function find(columns: string[], candidates: readonly string[]): string | undefined {
  for (const c of candidates) {
    const hit = columns.find((col) => col.toLowerCase() === c);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function pick(
  columns: string[],
  explicit: string | false | undefined,
  candidates: readonly string[],
  what: string,
  source: string,
): string | undefined {
  if (explicit === false) return undefined;
  if (explicit === undefined) return find(columns, candidates);
  if (columns.includes(explicit)) return explicit;
  throw new DataError(
    `${source} has no ${what} column "${explicit}"; found: ${columns.join(", ") || "(none)"}`,
  );
}

/**
 * Decide which columns to use. @throws DataError listing the columns found when there is no text
 * column, or a column named in `options` does not exist.
 * @example detectColumns(["id", "review", "sentiment"], {}, "a.csv") // { text: "review", label: "sentiment" }
 */
export function detectColumns(columns: string[], options: ColumnOptions, source: string): ColumnMapping {
  const text = pick(columns, options.textColumn, TEXT_COLUMN_NAMES, "text", source);
  if (text === undefined) {
    throw new DataError(
      `${source} has no text column; found: ${columns.join(", ") || "(none)"}. ` +
        `Expected one of ${TEXT_COLUMN_NAMES.join(", ")}, or name it explicitly (--text-column)`,
    );
  }
  const mapping: ColumnMapping = { text };
  const label = pick(columns, options.labelColumn, LABEL_COLUMN_NAMES, "label", source);
  const rating = pick(columns, options.ratingColumn, RATING_COLUMN_NAMES, "rating", source);
  const group = pick(columns, options.groupColumn, GROUP_COLUMN_NAMES, "group", source);
  if (label !== undefined) mapping.label = label;
  if (rating !== undefined) mapping.rating = rating;
  if (group !== undefined) mapping.group = group;
  return mapping;
}

const POSITIVE = new Set(["positive", "pos", "1", "true", "+1", "+"]);
const NEGATIVE = new Set(["negative", "neg", "0", "false", "-1", "-"]);

/**
 * A label value as written in files -> 0/1. Accepts positive/negative, pos/neg, 1/0, true/false
 * (any case, numbers and booleans too). Returns "empty" for a blank value and undefined when unknown.
 */
export function parseLabel(value: unknown): Polarity | "empty" | undefined {
  if (value === null || value === undefined) return "empty";
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const s = String(value).trim().toLowerCase();
  if (s === "") return "empty";
  if (POSITIVE.has(s)) return 1;
  if (NEGATIVE.has(s)) return 0;
  return undefined;
}

function show(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * The text of a row, or the reason it has none usable (missing, not a string, blank, too long).
 */
export function rowText(
  values: Record<string, unknown>,
  column: string,
  maxTextLength = DEFAULT_MAX_TEXT_LENGTH,
): { text: string } | { reason: string } {
  const v = values[column];
  if (v === undefined || v === null) return { reason: `missing text (column "${column}")` };
  if (typeof v !== "string") return { reason: `text (column "${column}") is ${typeof v}, expected a string` };
  if (v.trim() === "") return { reason: `empty text (column "${column}")` };
  if (v.length > maxTextLength) {
    return {
      reason: `text is ${v.length} characters, over the limit of ${maxTextLength} (raise maxTextLength)`,
    };
  }
  return { text: v };
}

/** One table row -> a Review, or the reason the row cannot be used. */
export function rowToReview(
  row: number,
  values: Record<string, unknown>,
  mapping: ColumnMapping,
  maxTextLength = DEFAULT_MAX_TEXT_LENGTH,
): { review: Review } | { reason: string } {
  const t = rowText(values, mapping.text, maxTextLength);
  if ("reason" in t) return t;
  const review: Review = { id: String(row), text: t.text };
  if (mapping.label !== undefined) {
    const raw = values[mapping.label];
    const label = parseLabel(raw);
    if (label === "empty") return { reason: `empty label (column "${mapping.label}")` };
    if (label === undefined) {
      return {
        reason: `unknown label "${show(raw)}" (column "${mapping.label}"); expected positive/negative, pos/neg, 1/0 or true/false`,
      };
    }
    review.label = label;
  }
  if (mapping.rating !== undefined) {
    const raw = values[mapping.rating];
    if (raw !== undefined && raw !== null && String(raw).trim() !== "") {
      const rating = Number(raw);
      if (!Number.isFinite(rating) || rating < 1 || rating > 10) {
        return { reason: `rating "${show(raw)}" (column "${mapping.rating}") is not a number from 1 to 10` };
      }
      review.rating = rating;
    }
  }
  if (mapping.group !== undefined) {
    const raw = values[mapping.group];
    if (raw !== undefined && raw !== null && String(raw).trim() !== "") review.group = String(raw);
  }
  return { review };
}
