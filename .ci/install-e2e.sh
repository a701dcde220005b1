#!/usr/bin/env bash
# System packages for the web UI's end-to-end tests: Debian's Chromium, driven by playwright-core
# (which never downloads a browser of its own). Idempotent and quiet; CI runs it as root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
