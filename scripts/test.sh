#!/usr/bin/env bash
# The test command: the whole suite, in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m pytest -n auto -q "$@"
