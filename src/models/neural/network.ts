// What every neural architecture provides to the shared model class and the trainer.
import type { ParameterStore } from "../../../packages/torch/src/index.ts";
import type { FitOptions } from "../model.ts";
import type { Batch } from "./batching.ts";
import type { Tensor, Torch } from "./torch.ts";

export interface Network {
  readonly store: ParameterStore;
  /** Positive-class logits [B] for a batch (rows in the batch's sorted order). */
  forward(batch: Batch, train: boolean): Tensor;
}

/** An architecture family: its hyperparameters, how to size it and how to build it on libtorch. */
export interface Architecture<P> {
  /** Human-readable summary for `model info`. */
  describe(params: P, vocabSize: number): Record<string, unknown>;
  /** Exact parameter count, computed without libtorch (the tests check it against the built network). */
  parameterCount(params: P, vocabSize: number): number;
  /** `purpose` "load" skips work only needed for a fresh start (e.g. reading pretrained vectors). */
  build(
    torch: Torch,
    params: P,
    vocab: readonly string[],
    purpose: "train" | "load",
  ): Promise<Network> | Network;
  /**
   * Optional self-supervised pre-training on id sequences of train + validation + unlabeled reviews (`corpus()`
   * encodes them on demand), run after build and before supervised training. Returns metrics to record.
   */
  pretrain?(
    torch: Torch,
    net: Network,
    params: P,
    corpus: () => Int32Array[],
    vocabSize: number,
    options: FitOptions,
  ): Promise<Record<string, number>>;
}
