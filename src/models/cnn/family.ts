// The word-CNN family: fast convolutional classifier over whole reviews, random or word-vector start
// (a vectors file, or word2vec trained at fit time on the train, validation and unlabeled texts).
import { trainWord2VecIds } from "../../embeddings/word2vec.ts";
import type { ModelFamily } from "../model.ts";
import type { Architecture } from "../neural/network.ts";
import { type NeuralFamilySpec, neuralFamily } from "../neural/neural-model.ts";
import { PAD_ID, UNK_ID } from "../neural/vocab.ts";
import { cnnArchitecture } from "./network.ts";
import { type CnnParams, parseCnnParams } from "./params.ts";

export const FAMILY = "cnn";

const architecture: Architecture<CnnParams> = {
  ...cnnArchitecture,
  /** word2vec over the id sequences; padding and unknown words are skipped (their rows stay as built). */
  async pretrain(torch, net, p, corpus, vocabSize, options): Promise<Record<string, number>> {
    if (!p.word2vec) return {};
    const started = performance.now();
    const seqs = corpus();
    const counts = new Float64Array(vocabSize);
    for (const seq of seqs) for (const id of seq) counts[id]++;
    counts[PAD_ID] = 0;
    counts[UNK_ID] = 0;
    const dim = p.net.embeddingDim;
    const vectors = await trainWord2VecIds(seqs, counts, { ...p.word2vec, dim, seed: p.seed }, (e) =>
      options.onProgress?.({ ...e, phase: `word2vec ${e.phase}` }),
    );
    const weight = net.store.get("embedding.weight");
    const start = weight.toFloat32Array();
    for (let w = 0; w < vocabSize; w++)
      if (counts[w] > 0) start.set(vectors.subarray(w * dim, (w + 1) * dim), w * dim);
    const t = torch.tensor(start, [vocabSize, dim]);
    weight.copy_(t);
    t.dispose();
    return { word2vec_seconds: (performance.now() - started) / 1000, word2vec_sequences: seqs.length };
  },
};

export const cnnSpec: NeuralFamilySpec<CnnParams> = {
  family: FAMILY,
  parse: parseCnnParams,
  architecture,
};

export const family: ModelFamily = neuralFamily(
  cnnSpec,
  "Word CNN (parallel convolutions, max over time; libtorch), random or word-vector start",
);
