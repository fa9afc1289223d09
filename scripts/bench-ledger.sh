#!/usr/bin/env bash
# Ledger benchmark: builds pool-bench in release mode and runs it.
#
#   scripts/bench-ledger.sh [--quick] [--json FILE] [other pool-bench options]
#
# Measures acquire+release cycles through the SQLite ledger in one process and in 8 and 16 processes
# sharing one database file, for the project's busy strategy (backoff) against SQLite's default busy
# handler. The table goes to stdout, progress to stderr. `--quick` takes under a minute, the default
# under five. Databases live in a temporary folder that is removed at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Its own scratch path, so the benchmark's release build never disturbs the debug build in .build.
scratch="$root/.build-bench"

swift build -c release --product pool-bench --package-path "$root" --scratch-path "$scratch" >&2
binary="$(swift build -c release --product pool-bench --package-path "$root" --scratch-path "$scratch" --show-bin-path)/pool-bench"

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-ledger.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$binary" --work-dir "$work" "$@"
