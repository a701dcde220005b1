// `sentiment embeddings train`: GloVe or word2vec word vectors from IMDb train + unlabeled reviews
// (never test), written in GloVe's text format for the word-vector families (`--family lstm` or
// `cnn`, hyperparameter `vectors`).
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { readImdb } from "../../data/imdb.ts";
import { resolveDataPath } from "../../data/paths.ts";
import { DEFAULT_GLOVE, trainGlove } from "../../embeddings/glove.ts";
import { writeGloveText } from "../../embeddings/vectors.ts";
import { DEFAULT_WORD2VEC, trainWord2Vec } from "../../embeddings/word2vec.ts";
import { DEFAULT_PREPROCESS, tokenize } from "../../text/preprocess.ts";
import { UserError } from "../../util/errors.ts";
import { positiveInt } from "../options.ts";
import { createProgress } from "../progress.ts";

export function register(program: Command): void {
  const embeddings = program.command("embeddings").description("Word vectors for the neural models");
  embeddings
    .command("train")
    .description(
      "Train GloVe or word2vec vectors on IMDb train + unlabeled reviews and write them in GloVe text format",
    )
    .option("--data <path>", "IMDb archive or folder (default: $SENTIMENT_DATA, ../shared/data, cache)")
    .option("--method <name>", "glove, cbow or skipgram (word2vec)", "glove")
    .option("--out <file>", "output vectors file (default: models/<method>.imdb.<dim>d.txt)")
    .option("--dim <n>", "vector size", String(DEFAULT_GLOVE.dim))
    .option(
      "--window <n>",
      `context window, words each side (default: glove ${DEFAULT_GLOVE.window}, word2vec ${DEFAULT_WORD2VEC.window})`,
    )
    .option("--min-count <n>", "ignore words seen fewer times", String(DEFAULT_GLOVE.minCount))
    .option(
      "--max-vocab <n>",
      `keep at most this many words (default: glove ${DEFAULT_GLOVE.maxVocab}, word2vec ${DEFAULT_WORD2VEC.maxVocab})`,
    )
    .option(
      "--epochs <n>",
      `passes (default: glove ${DEFAULT_GLOVE.epochs} over the co-occurrences, word2vec ${DEFAULT_WORD2VEC.epochs} over the reviews)`,
    )
    .option("--no-unlabeled", "use only the labelled train reviews")
    .option(
      "--threads <n>",
      "word2vec threads updating shared vectors without locks (1 = reproducible for a seed)",
      String(availableParallelism()),
    )
    .option("--seed <n>", "random seed", "0")
    .option("--json", "print one JSON object with the result")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const method = opts.method as string;
      if (!["glove", "cbow", "skipgram"].includes(method))
        throw new UserError(`--method must be glove, cbow or skipgram, not "${method}"`);
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
      const common = {
        dim: positiveInt(opts.dim, "--dim")!,
        window: positiveInt(opts.window, "--window"),
        minCount: positiveInt(opts.minCount, "--min-count")!,
        maxVocab: positiveInt(opts.maxVocab, "--max-vocab"),
        epochs: positiveInt(opts.epochs, "--epochs"),
        seed: Number(opts.seed),
      };
      // Options left unset fall back to each method's own defaults.
      const set = Object.fromEntries(Object.entries(common).filter(([, v]) => v !== undefined));
      const onProgress = (p: Parameters<typeof progress.update>[0]) => progress.update(p);
      const vectors =
        method === "glove"
          ? await trainGlove(docs, set, onProgress)
          : await trainWord2Vec(
              docs,
              {
                ...set,
                method: method as "cbow" | "skipgram",
                threads: positiveInt(opts.threads, "--threads"),
              },
              onProgress,
            );
      progress.stop();
      const out = resolve(opts.out ?? `models/${method}.imdb.${vectors.dim}d.txt`);
      await writeGloveText(out, vectors);
      const summary = {
        out,
        words: vectors.words.length,
        dim: vectors.dim,
        method,
        ...("pairs" in vectors
          ? { pairs: vectors.pairs, finalLoss: vectors.loss }
          : { tokens: vectors.tokens }),
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
