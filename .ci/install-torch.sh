#!/usr/bin/env bash
# libtorch for the neural model families (packages/torch): Debian's libtorch-dev (1.13, CPU) plus
# g++ to compile the binding. (bench:neural also wants python3-torch for its PyTorch comparison;
# CI does not run benchmarks, so it is not installed here.)
# The addon itself is built later (npm run build:torch, or automatically by the libtorch tests),
# because it needs node-addon-api from node_modules. Idempotent and quiet.
set -euo pipefail
need=()
for pkg in libtorch-dev g++; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
