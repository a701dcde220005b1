// The one door from the models to the libtorch binding. Imported lazily by the neural families, so
// the rest of the project builds, tests and runs without libtorch; when it is missing, neural
// commands fail here with a UserError that says how to install and build it.
import { UserError } from "../../util/errors.ts";

export type Torch = typeof import("../../../packages/torch/src/index.ts");
export type { Tensor } from "../../../packages/torch/src/index.ts";

let loaded: Torch | undefined;

/** The binding, with the native addon loaded. @throws UserError when libtorch or the addon is missing. */
export async function loadTorch(): Promise<Torch> {
  if (loaded) return loaded;
  const torch: Torch = await import("../../../packages/torch/src/index.ts");
  try {
    torch.assertTorch();
  } catch (err) {
    throw new UserError(`neural models need libtorch: ${(err as Error).message}`);
  }
  loaded = torch;
  return torch;
}
