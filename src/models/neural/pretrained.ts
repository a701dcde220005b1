// Embedding matrices initialised from GloVe/word2vec text files, shared by the families that start
// from word vectors (lstm, cnn). Vocabulary words missing from the file (OOV) start random with the
// vectors' own scale; <PAD> stays zero.
import { readWordVectors } from "../../embeddings/vectors.ts";
import { UserError } from "../../util/errors.ts";
import type { Tensor, Torch } from "./torch.ts";
import { PAD_ID } from "./vocab.ts";

/** [vocab, dim] initial embedding from `path`. @throws UserError on a dimension mismatch or no overlap. */
export async function pretrainedEmbedding(
  torch: Torch,
  path: string,
  vocab: readonly string[],
  dim: number,
  seed: number,
): Promise<Tensor> {
  const vectors = await readWordVectors(path);
  if (vectors.dim !== dim) {
    throw new UserError(
      `${path} has ${vectors.dim}-dimensional vectors but net.embeddingDim is ${dim}; set {"net":{"embeddingDim":${vectors.dim}}}`,
    );
  }
  const index = new Map(vectors.words.map((w, i) => [w, i]));
  let sumSq = 0;
  for (const v of vectors.data) sumSq += v * v;
  const std = Math.sqrt(sumSq / vectors.data.length);
  const init = new Float32Array(vocab.length * dim);
  let found = 0;
  // Deterministic OOV init (seeded Box-Muller) so a run is reproducible.
  let s = seed + 1;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  for (let w = 0; w < vocab.length; w++) {
    if (w === PAD_ID) continue;
    const k = index.get(vocab[w]);
    if (k !== undefined) {
      init.set(vectors.data.subarray(k * dim, (k + 1) * dim), w * dim);
      found++;
    } else {
      for (let d = 0; d < dim; d++)
        init[w * dim + d] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    }
  }
  if (found === 0)
    throw new UserError(
      `none of the ${vocab.length} vocabulary words is in ${path}; wrong vectors file or preprocessing?`,
    );
  return torch.tensor(init, [vocab.length, dim]);
}
