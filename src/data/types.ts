// The record every reader produces and every trainer, evaluator and server consumes.

/** 0 = negative, 1 = positive. */
export type Polarity = 0 | 1;

export interface Review {
  /** Stable id within its source, e.g. "train/pos/123_9" or a CSV row number. */
  id: string;
  text: string;
  /** Missing for unlabeled reviews. */
  label?: Polarity;
  /** Star rating 1-10 when the source has one. */
  rating?: number;
  /** Grouping key for leakage-free splits (the IMDb movie a review belongs to). */
  group?: string;
}

export type SplitName = "train" | "test" | "unsup";
