import { describe, expect, it } from "vitest";
import { DEFAULT_PREPROCESS, tokenize, tokenizeWithOffsets } from "../../src/text/preprocess.ts";

describe("tokenize", () => {
  it("strips HTML, decodes entities, lowercases and normalises Unicode", () => {
    expect(tokenize("Great<br /><br />film &amp; ＦＵＮ")).toEqual(["great", "film", "fun"]);
  });

  it("replaces URLs and e-mails with placeholders", () => {
    expect(tokenize("see https://example.com/x?y=1 or mail me@example.org")).toEqual([
      "see",
      "<url>",
      "or",
      "mail",
      "<email>",
    ]);
  });

  it("keeps emoticons (canonicalised) and emoji, drops skin-tone modifiers", () => {
    expect(tokenize("loved it :-) :D 👍🏽")).toEqual(["loved", "it", ":)", ":)", "👍"]);
    expect(tokenize("meh :( </3")).toEqual(["meh", ":(", ":("]);
    // A colon inside a score or after a word is not a face.
    expect(tokenize("score (3:2) re: this")).toEqual(["score", "3", "2", "re", "this"]);
  });

  it("emits ! and ? tokens, doubled for runs", () => {
    expect(tokenize("wow! really?? no!!!")).toEqual(["wow", "!", "really", "??", "no", "!!"]);
  });

  it("marks negation scope up to the next clause break when enabled", () => {
    const config = { ...DEFAULT_PREPROCESS, negation: true };
    expect(tokenize("I didn't like it, but the end was not bad.", config)).toEqual([
      "i",
      "didn't",
      "neg_like",
      "neg_it",
      "but",
      "the",
      "end",
      "was",
      "not",
      "neg_bad",
    ]);
    expect(tokenize("not bad", DEFAULT_PREPROCESS)).toEqual(["not", "bad"]);
  });

  it("gives offsets into the cleaned text that slice back to each token", () => {
    const { cleaned, tokens } = tokenizeWithOffsets("It <b>WAS</b> great &amp; fun :)");
    for (const t of tokens.filter((t) => /^[a-z]+$/.test(t.token))) {
      expect(cleaned.slice(t.start, t.end).toLowerCase()).toBe(t.token);
    }
    expect(tokens.map((t) => t.token)).toEqual(tokenize("It <b>WAS</b> great &amp; fun :)"));
  });

  it("handles empty, whitespace-only and huge inputs", () => {
    expect(tokenize("")).toEqual([]);
    expect(tokenize("   \n\t ")).toEqual([]);
    expect(tokenize("good ".repeat(100_000)).length).toBe(100_000);
  });
});
