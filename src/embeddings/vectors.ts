// Reading and writing word vectors in the two common text formats:
//   GloVe:     "word v1 v2 ... vd" per line (glove.6B.100d.txt)
//   word2vec:  first line "<count> <dim>", then the same lines (word2vec -binary 0, fastText .vec)
// The format is detected from the first line. Bad lines are errors naming the line, never skipped.
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { writeFileAtomic } from "../util/atomic.ts";
import { DataError } from "../util/errors.ts";
import type { WordVectors } from "./vocabulary.ts";

export async function readWordVectors(path: string, options: { limit?: number } = {}): Promise<WordVectors> {
  if (!existsSync(path)) throw new DataError(`word vectors not found: ${path}`);
  const lines = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const words: string[] = [];
  const seen = new Set<string>();
  const chunks: Float32Array[] = [];
  let dim = 0;
  let lineNo = 0;
  let expected: number | undefined;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trimEnd();
    if (line === "") continue;
    const parts = line.split(" ");
    if (lineNo === 1 && parts.length === 2 && /^\d+$/.test(parts[0]) && /^\d+$/.test(parts[1])) {
      expected = Number(parts[0]);
      dim = Number(parts[1]);
      continue;
    }
    if (dim === 0) dim = parts.length - 1;
    if (parts.length - 1 !== dim) {
      throw new DataError(
        `${path} line ${lineNo}: ${parts.length - 1} values, expected ${dim} (is the file truncated or not a vectors file?)`,
      );
    }
    const v = new Float32Array(dim);
    for (let k = 0; k < dim; k++) {
      const x = Number(parts[k + 1]);
      if (!Number.isFinite(x))
        throw new DataError(`${path} line ${lineNo}: value ${k + 1} ("${parts[k + 1]}") is not a number`);
      v[k] = x;
    }
    // Some published files repeat a word; the first (most frequent) occurrence wins.
    if (seen.has(parts[0])) continue;
    seen.add(parts[0]);
    words.push(parts[0]);
    chunks.push(v);
    if (options.limit && words.length >= options.limit) break;
  }
  if (words.length === 0) throw new DataError(`${path} contains no word vectors`);
  if (expected !== undefined && !options.limit && words.length > expected) {
    throw new DataError(`${path}: header says ${expected} words but the file has ${words.length}`);
  }
  const data = new Float32Array(words.length * dim);
  chunks.forEach((v, i) => {
    data.set(v, i * dim);
  });
  return { words, dim, data };
}

/** Write GloVe text format (6 significant digits, like glove.c's output). */
export async function writeGloveText(path: string, vectors: WordVectors): Promise<void> {
  const out: string[] = [];
  for (let i = 0; i < vectors.words.length; i++) {
    const row = vectors.data.subarray(i * vectors.dim, (i + 1) * vectors.dim);
    out.push(`${vectors.words[i]} ${Array.from(row, (x) => Number(x.toPrecision(6))).join(" ")}`);
  }
  await writeFileAtomic(path, `${out.join("\n")}\n`);
}
