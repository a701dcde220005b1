// Shared by the libtorch tests: builds the addon when libtorch is installed and the build is missing
// or stale (about 15 s, once; later calls are a hash check), and says why tests are skipped otherwise.
import { ensureBuilt } from "../../packages/torch/scripts/build.mjs";
import { torchAvailable } from "../../packages/torch/src/index.ts";

function prepare(): string | undefined {
  let status: string;
  try {
    status = ensureBuilt({ log: () => {} });
  } catch (err) {
    return `building the libtorch addon failed: ${(err as Error).message}`;
  }
  if (status === "no-libtorch") {
    return "libtorch is not installed (run .ci/install-torch.sh or set LIBTORCH); libtorch tests skipped";
  }
  return torchAvailable() ? undefined : "the libtorch addon was built but does not load";
}

/** undefined when libtorch tests can run, else the reason they are skipped. */
export const torchSkipReason = prepare();
if (torchSkipReason) console.warn(`[skip] ${torchSkipReason}`);
export const hasTorch = torchSkipReason === undefined;
