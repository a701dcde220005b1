// Text -> model windows for any HF tokenizer: word pieces without special tokens, cut by the long-text
// strategy, each wrapped in the tokenizer's own special tokens. Shared by the ONNX (hf) and the
// libtorch (distilbert) families so both see exactly the same input for the same text.
import type { PreTrainedTokenizer } from "@huggingface/transformers";
import { UserError } from "../../util/errors.ts";
import type { LongTextStrategy } from "./options.ts";
import { windowsFor } from "./windows.ts";

export interface WindowEncoderOptions {
  /** Window length in tokens, special tokens included. */
  maxLength: number;
  longText: LongTextStrategy;
  headFraction: number;
  chunkOverlap?: number;
  maxChunks?: number;
}

export class WindowEncoder {
  readonly prefix: number[];
  readonly suffix: number[];
  readonly padId: number;
  readonly budget: number;

  constructor(
    readonly tokenizer: PreTrainedTokenizer,
    readonly o: WindowEncoderOptions,
  ) {
    // The special tokens the tokenizer wraps every text in ([CLS] x [SEP] for BERT, <s> x </s> for
    // RoBERTa), found by encoding a probe with and without them.
    const full = tokenizer.encode("a");
    const body = tokenizer.encode("a", { add_special_tokens: false });
    const at = full.findIndex((_, i) => body.every((id, j) => full[i + j] === id));
    this.prefix = at < 0 ? [] : full.slice(0, at);
    this.suffix = at < 0 ? [] : full.slice(at + body.length);
    this.padId = tokenizer.pad_token_id ?? 0;
    this.budget = o.maxLength - this.prefix.length - this.suffix.length;
    if (this.budget < 1)
      throw new UserError(`maxLength=${o.maxLength} leaves no room for text after the special tokens`);
  }

  /** Token ids of `text` in one window, untruncated (special tokens included). */
  encode(text: string): number[] {
    return [...this.prefix, ...this.tokenizer.encode(text, { add_special_tokens: false }), ...this.suffix];
  }

  /** The windows the model reads for `text`, each with special tokens. */
  windows(text: string, strategy: LongTextStrategy = this.o.longText): number[][] {
    if (typeof text !== "string") throw new UserError(`expected text to classify, got ${typeof text}`);
    const body = this.tokenizer.encode(text, { add_special_tokens: false });
    return windowsFor(body, {
      strategy,
      budget: this.budget,
      headFraction: this.o.headFraction,
      chunkOverlap: this.o.chunkOverlap ?? 0.5,
      maxChunks: this.o.maxChunks ?? 32,
    }).map((w) => [...this.prefix, ...w, ...this.suffix]);
  }

  /** Windows of many texts, flattened, with the indices of each text's windows. */
  windowsOfAll(texts: readonly string[]): { windows: number[][]; owners: number[][] } {
    const windows: number[][] = [];
    const owners = texts.map((t) => this.windows(t).map((w) => windows.push(w) - 1));
    return { windows, owners };
  }
}

/** Run `score` over windows in length-sorted batches and average class probabilities per text. */
export async function averageOverWindows(
  windows: readonly number[][],
  owners: readonly number[][],
  numLabels: number,
  batchSize: number,
  score: (batch: number[][]) => Promise<Float64Array[]> | Float64Array[],
): Promise<Float64Array[]> {
  const probs: Float64Array[] = new Array(windows.length);
  // Longest first, so each batch pads to nearly its own length.
  const order = windows.map((_, i) => i).sort((a, b) => windows[b].length - windows[a].length);
  for (let s = 0; s < order.length; s += batchSize) {
    const batch = order.slice(s, s + batchSize);
    const out = await score(batch.map((i) => windows[i]));
    batch.forEach((w, r) => {
      probs[w] = out[r];
    });
  }
  return owners.map((ws) => {
    const mean = new Float64Array(numLabels);
    for (const w of ws) for (let c = 0; c < numLabels; c++) mean[c] += probs[w][c] / ws.length;
    return mean;
  });
}
