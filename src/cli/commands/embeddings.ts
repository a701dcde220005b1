// `sentiment embeddings train`: GloVe word vectors from IMDb train + unlabeled reviews (never test),
// written in GloVe's text format for the word-vector LSTM (`--family lstm`, hyperparameter `vectors`).
import { resolve } from "node:path";
import type { Command } from "commander";
import { readImdb } from "../../data/imdb.ts";
import { resolveDataPath } from "../../data/paths.ts";
import { DEFAULT_GLOVE, trainGlove } from "../../embeddings/glove.ts";
import { writeGloveText } from "../../embeddings/vectors.ts";
import { DEFAULT_PREPROCESS, tokenize } from "../../text/preprocess.ts";
import { positiveInt } from "../options.ts";
import { createProgress } from "../progress.ts";

export function register(program: Command): void {
  const embeddings = program.command("embeddings").description("Word vectors for the neural models");
  embeddings
    .command("train")
    .description("Train GloVe vectors on IMDb train + unlabeled reviews and write them in GloVe text format")
    .option("--data <path>", "IMDb archive or folder (default: $SENTIMENT_DATA, ../shared/data, cache)")
    .option("--out <file>", "output vectors file", "models/glove.imdb.100d.txt")
    .option("--dim <n>", "vector size", String(DEFAULT_GLOVE.dim))
    .option("--window <n>", "context window (words each side)", String(DEFAULT_GLOVE.window))
    .option("--min-count <n>", "ignore words seen fewer times", String(DEFAULT_GLOVE.minCount))
    .option("--max-vocab <n>", "keep at most this many words", String(DEFAULT_GLOVE.maxVocab))
    .option("--epochs <n>", "AdaGrad passes over the co-occurrences", String(DEFAULT_GLOVE.epochs))
    .option("--no-unlabeled", "use only the labelled train reviews")
    .option("--seed <n>", "random seed", "0")
    .option("--json", "print one JSON object with the result")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const progress = createProgress(opts);
      const data = await readImdb(resolveDataPath(opts.data), {
        splits: opts.unlabeled ? ["train", "unsup"] : ["train"],
        onProgress: (done, total) => progress.update({ phase: "read data", done, total }),
      });
      const reviews = [...data.train, ...data.unsup];
      const docs = reviews.map((r, i) => {
        if (i % 5000 === 0) progress.update({ phase: "tokenize", done: i, total: reviews.length });
        return tokenize(r.text, DEFAULT_PREPROCESS);
      });
      progress.update({ phase: "tokenize", done: reviews.length, total: reviews.length });
      const started = performance.now();
      const vectors = await trainGlove(
        docs,
        {
          dim: positiveInt(opts.dim, "--dim")!,
          window: positiveInt(opts.window, "--window")!,
          minCount: positiveInt(opts.minCount, "--min-count")!,
          maxVocab: positiveInt(opts.maxVocab, "--max-vocab")!,
          epochs: positiveInt(opts.epochs, "--epochs")!,
          seed: Number(opts.seed),
        },
        (p) => progress.update(p),
      );
      progress.stop();
      const out = resolve(opts.out);
      await writeGloveText(out, vectors);
      const summary = {
        out,
        words: vectors.words.length,
        dim: vectors.dim,
        pairs: vectors.pairs,
        finalLoss: vectors.loss,
        reviews: reviews.length,
        seconds: (performance.now() - started) / 1000,
      };
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (!opts.quiet)
        process.stdout.write(
          `wrote ${summary.words} vectors of ${summary.dim} to ${out} in ${summary.seconds.toFixed(0)} s\n`,
        );
    });
}
