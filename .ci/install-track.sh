#!/usr/bin/env bash
# Tracking tests cross-check the MLflow file-store export against PyYAML (the YAML library MLflow
# itself writes and reads meta.yaml with).
set -euo pipefail
if python3 -c "import yaml" 2>/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-yaml >/dev/null
