#!/usr/bin/env node
// Builds the libtorch addon (build/torch_addon.node) with one g++ call. No node-gyp/cmake-js: both
// want to download Node headers, which a machine without internet cannot; Node ships its headers
// beside the binary (or Debian in /usr/include/node), and node-addon-api is header-only.
//
// libtorch is found at $LIBTORCH (an official libtorch zip, CPU or CUDA: include/ and lib/), else the
// system one (Debian/Ubuntu `libtorch-dev`). Rebuilds only when the source, flags or libtorch changed,
// so calling it from test setup is cheap. Usage: node packages/torch/scripts/build.mjs [--force] [--check]
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sources = ["addon.cc", "docvectors.cc"].map((f) => join(pkgDir, "src/native", f));
const outDir = join(pkgDir, "build");
const output = join(outDir, "torch_addon.node");
const stampFile = join(outDir, "torch_addon.stamp");

/** Where libtorch's headers and libraries are, or undefined when it is not installed. */
export function findLibtorch() {
  const root = process.env.LIBTORCH;
  if (root) {
    const include = join(root, "include");
    if (!existsSync(join(include, "ATen/ATen.h"))) {
      throw new Error(`LIBTORCH=${root} does not look like libtorch (no include/ATen/ATen.h)`);
    }
    return { includes: [include, join(include, "torch/csrc/api/include")], libDir: join(root, "lib") };
  }
  for (const prefix of ["/usr", "/usr/local"]) {
    const include = join(prefix, "include");
    if (
      existsSync(join(include, "ATen/ATen.h")) &&
      existsSync(join(include, "torch/csrc/api/include/torch/optim.h"))
    ) {
      const multiarch = ["x86_64-linux-gnu", "aarch64-linux-gnu"].map((a) => join(prefix, "lib", a));
      const libDir = [...multiarch, join(prefix, "lib")].find((d) => existsSync(join(d, "libtorch.so")));
      if (libDir) return { includes: [include, join(include, "torch/csrc/api/include")], libDir };
    }
  }
  return undefined;
}

function nodeIncludeDir() {
  const candidates = [
    join(dirname(process.execPath), "../include/node"),
    "/usr/include/node",
    "/usr/local/include/node",
  ];
  const found = candidates.find((d) => existsSync(join(d, "node_api.h")));
  if (!found) throw new Error(`Node headers (node_api.h) not found in ${candidates.join(", ")}`);
  return found;
}

export function buildCommand(torch) {
  const require = createRequire(import.meta.url);
  const napiInclude = dirname(require.resolve("node-addon-api/package.json"));
  const args = [
    "-std=c++17",
    "-O2",
    "-fPIC",
    "-shared",
    "-fvisibility=hidden",
    // `#pragma omp simd` in docvectors.cc, without the OpenMP runtime.
    "-fopenmp-simd",
    "-DNAPI_VERSION=8",
    "-DNAPI_CPP_EXCEPTIONS",
    "-DNODE_ADDON_API_DISABLE_DEPRECATED",
    `-I${nodeIncludeDir()}`,
    `-I${napiInclude}`,
    ...torch.includes.map((i) => `-I${i}`),
    ...sources,
    `-L${torch.libDir}`,
    `-Wl,-rpath,${torch.libDir}`,
    "-ltorch",
    "-ltorch_cpu",
    "-lc10",
    "-o",
  ];
  return args;
}

function stamp(torch, args) {
  const h = createHash("sha256");
  for (const source of sources) h.update(readFileSync(source));
  h.update(JSON.stringify(args));
  h.update(process.version);
  const lib = join(torch.libDir, "libtorch_cpu.so");
  if (existsSync(lib)) h.update(String(statSync(lib).mtimeMs));
  return h.digest("hex");
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Take the build lock (a directory: mkdir is atomic), so parallel test workers build once; the others
 * wait and then find the addon up to date. A lock older than 10 minutes is from a killed build.
 */
function withLock(fn) {
  mkdirSync(outDir, { recursive: true });
  const lock = join(outDir, ".build-lock");
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Build if missing or stale. Returns "built" | "up-to-date" | "no-libtorch". */
export function ensureBuilt({ force = false, log = console.error } = {}) {
  const torch = findLibtorch();
  if (!torch) return "no-libtorch";
  const args = buildCommand(torch);
  const want = stamp(torch, args);
  const fresh = () => existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === want;
  if (!force && fresh()) return "up-to-date";
  return withLock(() => (!force && fresh() ? "up-to-date" : build(args, want, log)));
}

function build(args, want, log) {
  const torch = findLibtorch();
  // Build to a temporary name and rename, so a concurrent loader never sees a half-written addon.
  const tmp = `${output}.${process.pid}.tmp`;
  const started = Date.now();
  log(`building libtorch addon (${torch.libDir}) ...`);
  try {
    execFileSync(process.env.CXX ?? "g++", [...args, tmp], { stdio: ["ignore", "inherit", "inherit"] });
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, output);
  writeFileSync(stampFile, want);
  log(`built ${output} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return "built";
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  if (check) {
    const torch = findLibtorch();
    console.log(torch ? `libtorch found: ${torch.libDir}` : "libtorch not found");
    process.exit(torch ? 0 : 1);
  }
  const result = ensureBuilt({ force: process.argv.includes("--force") });
  if (result === "no-libtorch") {
    console.error(
      "libtorch not found: install it (Debian/Ubuntu: apt-get install libtorch-dev, see .ci/install-torch.sh) or set LIBTORCH to an unpacked libtorch directory",
    );
    process.exit(1);
  }
  if (result === "up-to-date") console.error(`${output} is up to date`);
}
