// A deterministic word-list scorer implementing SentimentModel, for tests of streaming I/O (batching,
// row order, column handling) where the point is the plumbing, not the model. Tests of model
// quality and end-to-end CLI runs use real trained models instead.
import type { Explanation, FitData, ModelMetadata, SentimentModel } from "../../src/models/model.ts";
import { tokenize } from "../../src/text/preprocess.ts";

const GOOD = new Set(["good", "great", "wonderful", "superb", "loved", "brilliant", "enjoyable", "fun"]);
const BAD = new Set(["bad", "awful", "boring", "dreadful", "terrible", "worst", "tedious", "waste"]);

function score(text: string): number {
  let s = 0;
  for (const tok of tokenize(text)) s += GOOD.has(tok) ? 1 : BAD.has(tok) ? -1 : 0;
  return 1 / (1 + Math.exp(-s));
}

export class LexiconModel implements SentimentModel {
  readonly family = "test-lexicon";
  /** Sizes of the batches passed to predictProba, in call order. */
  readonly calls: number[] = [];
  /** Called at the start of every predictProba, e.g. to sample memory or I/O progress. */
  onCall?: (batch: readonly string[]) => void;

  async fit(_data: FitData): Promise<Record<string, number>> {
    return {};
  }

  /** P(positive) = logistic(#good - #bad): 0.5 for neutral text. */
  async predictProba(texts: readonly string[]): Promise<Float64Array> {
    this.calls.push(texts.length);
    this.onCall?.(texts);
    return Float64Array.from(texts, score);
  }

  async predictRating(texts: readonly string[]): Promise<Float64Array | null> {
    return Float64Array.from(texts, (t) => 1 + 9 * score(t));
  }

  async explain(text: string): Promise<Explanation> {
    const [p] = await this.predictProba([text]);
    return { text, tokens: [], bias: 0, logit: Math.log(p / (1 - p)), probability: p, method: "exact" };
  }

  async save(): Promise<void> {
    throw new Error("LexiconModel is a test double and cannot be saved");
  }

  metadata(): ModelMetadata {
    return {
      family: this.family,
      id: "test-lexicon",
      formatVersion: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      hyperparameters: {},
      metrics: {},
      hasRating: true,
    };
  }
}
