#!/usr/bin/env bash
# Offline GPU-node check of the diffusion colorizer (see benchmarks/device_check.py and benchmarks/README.md).
#   bash benchmarks/device_check.sh [--wheelhouse .wheelhouse] [--out DIR] [--budget-s 480] [--dry-run]
# PYTHON selects the interpreter that holds PyTorch (default: python3).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" -u benchmarks/device_check.py "$@"
