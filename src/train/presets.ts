// Named training configurations. Hyperparameters here were chosen on the movie-disjoint validation
// split carved from IMDb train (never on test); BENCHMARKS.md lists the variants tried.
export interface Preset {
  family: string;
  description: string;
  hyperparameters: Record<string, unknown>;
}

export const PRESETS: Record<string, Preset> = {
  default: {
    family: "nblr",
    description:
      "NB-weighted logistic regression, hashed word 1-3-grams, negation marking; the bundled model",
    hyperparameters: {
      preprocess: {
        version: 1,
        stripHtml: true,
        normalization: "NFKC",
        lowercase: true,
        placeholders: true,
        emoji: true,
        punctuation: true,
        negation: true,
      },
      ngrams: { minN: 1, maxN: 3, hashBits: 24 },
      minDf: 3,
      C: 0.3,
      ratingEpochs: 8,
      augmentSentences: 2,
      augmentWeight: 0.15,
    },
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
