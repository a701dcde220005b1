// The word-vector LSTM family: BiLSTM whose embedding starts from GloVe/word2vec vectors (see
// neural/pretrained.ts). The vectors file is read only when training; a saved model carries its embedding.
import { bilstmArchitecture, buildBilstm } from "../bilstm/network.ts";
import type { BilstmParams } from "../bilstm/params.ts";
import type { ModelFamily } from "../model.ts";
import type { Architecture } from "../neural/network.ts";
import { type NeuralFamilySpec, neuralFamily } from "../neural/neural-model.ts";
import { pretrainedEmbedding } from "../neural/pretrained.ts";
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
    const pretrained = await pretrainedEmbedding(torch, p.vectors, vocab, p.net.embeddingDim, p.seed);
    const net = buildBilstm(torch, asBilstm(p), vocab.length, pretrained);
    pretrained.dispose();
    if (p.freezeEmbeddings) net.store.get("embedding.weight").setRequiresGrad(false);
    return net;
  },
};

export const lstmSpec: NeuralFamilySpec<LstmParams> = {
  family: FAMILY,
  parse: parseLstmParams,
  architecture: lstmArchitecture,
};

export const family: ModelFamily = neuralFamily(
  lstmSpec,
  "BiLSTM on pretrained word vectors (GloVe/word2vec text files; libtorch), frozen or fine-tuned",
);
