#!/usr/bin/env bash
# OpenBLAS for libtorch's matrix products. Debian's libtorch links the generic libblas.so.3, which by
# default is the netlib reference BLAS (~2.5 GFLOP/s on one core here); installing OpenBLAS switches
# that alternative and makes the DistilBERT fine-tuning and bench:transformers ~3-20x faster (a 512^3
# matmul: 108 ms -> 4 ms). Numbers in BENCHMARKS.md were measured with it. Idempotent and quiet.
set -euo pipefail
dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed" && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends libopenblas0-pthread >/dev/null
