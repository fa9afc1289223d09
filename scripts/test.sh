#!/usr/bin/env bash
# The one test command: installs what the build needs (as root, only what is missing), then runs every
# test with `swift test`. Extra arguments go to `swift test` (e.g. --filter MultiProcess).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec swift test "$@"
