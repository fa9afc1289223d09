#!/usr/bin/env bash
# The benchmark suite: builds pool-bench and shesha-pool (release, static Swift runtime) and runs them.
#
#   scripts/bench.sh [--quick] [--json FILE] [other pool-bench options; --help lists them]
#
# Prints one table (stdout; progress on stderr): the ledger with 1, 2, 8 and 16 processes (project busy
# strategy against SQLite's default handler), its latency with 10 to 10,000 slots and a long history,
# cold `git worktree add` against warm `shesha-pool acquire` on a tmpfs and on disk, CLI startup against a
# minimal argument-parser program built the same way (Sources/StartupReference), and warm against cold
# Python sandboxes per backend, then each target of issues 4 and 13 as met or missed. --quick takes
# under 3 minutes (a 5,000-file repository instead of 20,000), the full run under 15. Everything it makes is removed at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Its own scratch path, so these release builds never disturb the debug builds in .build.
scratch="$root/.build-bench"

for arg in "$@"; do
    if [[ "$arg" == "--help" || "$arg" == "-h" ]]; then
        # Usage needs no build if pool-bench exists already.
        if [[ -x "$scratch/release/pool-bench" ]]; then
            exec "$scratch/release/pool-bench" --help
        fi
    fi
done

for tool in git python3; do
    command -v "$tool" >/dev/null || { echo "bench.sh: $tool is needed" >&2; exit 69; }
done

# The fast build README's install line gives: static Swift runtime and static SQLite (see Package.swift).
export SHESHA_POOL_STATIC_SQLITE=1
build=(swift build -c release --static-swift-stdlib --package-path "$root" --scratch-path "$scratch")
echo "bench.sh: building pool-bench, shesha-pool and the start-up reference (release) in $scratch" >&2
"${build[@]}" --product shesha-pool >&2
"${build[@]}" --product startup-reference >&2
"${build[@]}" --product pool-bench >&2
bin="$("${build[@]}" --show-bin-path)"
# Foundation (beyond FoundationEssentials) brings its ICU data and ~1,800 conformance records that the Swift
# runtime scans at every protocol lookup argument-parser makes: about 40% more start-up for every command.
if command -v nm >/dev/null && nm "$bin/shesha-pool" | grep -q ' \$s10Foundation'; then
    echo "bench.sh: warning: shesha-pool links Foundation; a Foundation-only API (Thread, FileHandle, NSString," \
        "CharacterSet, String(format:), JSONSerialization...) is used in a module it links" >&2
fi

# pool-bench makes its own folders inside these and removes them; the trap also covers an interrupted run.
disk="$(mktemp -d "${TMPDIR:-/tmp}/shesha-bench.XXXXXX")"
tmpfs_args=()
if [[ -d /dev/shm && -w /dev/shm ]]; then
    tmpfs="$(mktemp -d /dev/shm/shesha-bench.XXXXXX)"
    tmpfs_args=(--tmpfs "$tmpfs")
else
    tmpfs=""
    echo "bench.sh: /dev/shm is missing; pass --tmpfs DIR (a tmpfs folder) for the worktree runs" >&2
fi
trap 'rm -rf "$disk" ${tmpfs:+"$tmpfs"}' EXIT

"$bin/pool-bench" \
    --shesha-pool "$bin/shesha-pool" \
    --startup-reference "$bin/startup-reference" \
    --repo-script "$root/scripts/make-synthetic-repo.py" \
    --swift-version "$(swift --version 2>/dev/null | head -n 1)" \
    --disk "$disk" "${tmpfs_args[@]}" \
    "$@"
