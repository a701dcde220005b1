// Public surface of the libtorch binding. Importing this module never loads the native addon;
// the first tensor operation does (and throws TorchUnavailableError when it is missing).
export {
  ADDON_PATH,
  BUILD_SCRIPT,
  INSTALL_HINT,
  type NativeArray,
  TorchUnavailableError,
  torchAvailable,
} from "./native.ts";
export {
  bceWithLogits,
  crossEntropy,
  dropout,
  Embedding,
  embedding,
  LayerNorm,
  Linear,
  Lstm,
  type LstmOptions,
  layerNorm,
  linear,
  ParameterStore,
} from "./nn.ts";
export {
  clipGradNorm,
  learningRate,
  Optimizer,
  type OptimizerKind,
  type OptimizerOptions,
  type ScheduleOptions,
} from "./optim.ts";
export { decodeSafetensors, encodeSafetensors, type SafeTensor } from "./safetensors.ts";
export {
  arange,
  type CreateOptions,
  cat,
  cudaAvailable,
  type Device,
  type DType,
  full,
  getNumThreads,
  keep,
  libtorchVersion,
  manualSeed,
  maximum,
  noGrad,
  ones,
  rand,
  randn,
  resolveDevice,
  setNumThreads,
  stack,
  Tensor,
  tensor,
  tidy,
  where,
  zeros,
} from "./tensor.ts";
