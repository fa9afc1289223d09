#!/usr/bin/env bash
# The ledger section of the benchmark suite alone: acquire+release cycles through PoolCore in 1, 2, 8 and
# 16 processes, the project's busy strategy against SQLite's default busy handler, side by side.
#
#   scripts/bench-ledger.sh [--quick] [--json FILE] [other options of scripts/bench.sh]
exec "$(dirname "${BASH_SOURCE[0]}")/bench.sh" --only ledger "$@"
