// The word-vector LSTM family: BiLSTM whose embedding starts from GloVe/word2vec vectors. Words of the
// training vocabulary missing from the vectors (OOV) start random with the vectors' own scale;
// <PAD> is zero. The vectors file is read only when training; a saved model carries its embedding.
import { readWordVectors } from "../../embeddings/vectors.ts";
import { UserError } from "../../util/errors.ts";
import { bilstmArchitecture, buildBilstm } from "../bilstm/network.ts";
import type { BilstmParams } from "../bilstm/params.ts";
import type { ModelFamily } from "../model.ts";
import { isModelFile, readModelMetadata } from "../modelFile.ts";
import type { Architecture } from "../neural/network.ts";
import { type NeuralFamilySpec, NeuralModel } from "../neural/neural-model.ts";
import { PAD_ID } from "../neural/vocab.ts";
import { type LstmParams, parseLstmParams } from "./params.ts";

export const FAMILY = "lstm";

function asBilstm(p: LstmParams): BilstmParams {
  return { variant: "fast", net: p.net, text: p.text, training: p.training, seed: p.seed };
}

const lstmArchitecture: Architecture<LstmParams> = {
  describe: (p, vocabSize) => ({
    ...bilstmArchitecture.describe(asBilstm(p), vocabSize),
    vectors: p.vectors,
    freezeEmbeddings: p.freezeEmbeddings,
  }),
  parameterCount: (p, vocabSize) => bilstmArchitecture.parameterCount(asBilstm(p), vocabSize),
  async build(torch, p, vocab, purpose) {
    if (purpose === "load") {
      const net = buildBilstm(torch, asBilstm(p), vocab.length);
      if (p.freezeEmbeddings) net.store.get("embedding.weight").setRequiresGrad(false);
      return net;
    }
    const vectors = await readWordVectors(p.vectors);
    if (vectors.dim !== p.net.embeddingDim) {
      throw new UserError(
        `${p.vectors} has ${vectors.dim}-dimensional vectors but net.embeddingDim is ${p.net.embeddingDim}; set {"net":{"embeddingDim":${vectors.dim}}}`,
      );
    }
    const index = new Map(vectors.words.map((w, i) => [w, i]));
    let sumSq = 0;
    for (const v of vectors.data) sumSq += v * v;
    const std = Math.sqrt(sumSq / vectors.data.length);
    const D = vectors.dim;
    const init = new Float32Array(vocab.length * D);
    let found = 0;
    // Deterministic OOV init (seeded Box-Muller) so a run is reproducible.
    let s = p.seed + 1;
    const uniform = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s + 0.5) / 4294967296;
    };
    for (let w = 0; w < vocab.length; w++) {
      if (w === PAD_ID) continue;
      const k = index.get(vocab[w]);
      if (k !== undefined) {
        init.set(vectors.data.subarray(k * D, (k + 1) * D), w * D);
        found++;
      } else {
        for (let d = 0; d < D; d++)
          init[w * D + d] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      }
    }
    const pretrained = torch.tensor(init, [vocab.length, D]);
    const net = buildBilstm(torch, asBilstm(p), vocab.length, pretrained);
    pretrained.dispose();
    if (p.freezeEmbeddings) net.store.get("embedding.weight").setRequiresGrad(false);
    if (found === 0)
      throw new UserError(
        `none of the ${vocab.length} vocabulary words is in ${p.vectors}; wrong vectors file or preprocessing?`,
      );
    return net;
  },
};

export const lstmSpec: NeuralFamilySpec<LstmParams> = {
  family: FAMILY,
  parse: parseLstmParams,
  architecture: lstmArchitecture,
};

export const family: ModelFamily = {
  family: FAMILY,
  description:
    "BiLSTM on pretrained word vectors (GloVe/word2vec text files; libtorch), frozen or fine-tuned",
  create: (hyperparameters) => new NeuralModel(lstmSpec, hyperparameters),
  load: (path) => NeuralModel.load(lstmSpec, path),
  canLoad: async (path) => isModelFile(path) && readModelMetadata(path).family === FAMILY,
};
