#!/usr/bin/env bash
# The torture harness: many holders, maintenance commands and a killer on one pool of real worktrees,
# then an independent checker. Builds pool-torture and shesha-pool, then runs them.
#
#   scripts/torture.sh [--minutes M | --seconds S] [--seed N] [--holders H] [--repo-files F]
#                      [--maintenance L] [--kill-every-ms K] [--max-hold-ms M] [--release] [--keep]
#                      [--kind worktree|container] [--until-holder-kills K] [--until-cycles C]
#                      [--max-seconds X]
#
# Prints the seed first (a random one unless --seed is given), so any failure replays with --seed.
# Defaults: 2 minutes, 16 holders, 2 maintenance lanes, a kill about every second, a debug build, worktrees;
# --kind container tortures a pool of bwrap sandboxes instead, and stops every one at the end.
# Exits 0 when the checker finds no violation, 1 when it finds some (the work folder is then kept and
# its path printed), 64 for bad usage. --keep keeps the work folder (logs, database, slots) anyway.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Its own scratch path, so these builds never disturb the debug builds in .build.
scratch="$root/.build-torture-run"

usage() { sed -n '4,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

configuration=debug
keep=false
seed=""
duration=(--minutes 2)
holders=16
passed=()
while (($#)); do
    case "$1" in
        --minutes | --seconds)
            (($# >= 2)) || { echo "torture.sh: $1 needs a value" >&2; usage; exit 64; }
            duration=("$1" "$2"); shift 2 ;;
        --seed)
            (($# >= 2)) || { echo "torture.sh: --seed needs a value" >&2; usage; exit 64; }
            seed="$2"; shift 2 ;;
        --holders)
            (($# >= 2)) || { echo "torture.sh: --holders needs a value" >&2; usage; exit 64; }
            holders="$2"; shift 2 ;;
        --repo-files | --maintenance | --kill-every-ms | --max-hold-ms | --kind | --until-holder-kills | \
            --until-cycles | --max-seconds)
            (($# >= 2)) || { echo "torture.sh: $1 needs a value" >&2; usage; exit 64; }
            passed+=("$1" "$2"); shift 2 ;;
        --release) configuration=release; shift ;;
        --keep) keep=true; shift ;;
        --help | -h) usage; exit 0 ;;
        *) echo "torture.sh: unknown option '$1'" >&2; usage; exit 64 ;;
    esac
done
if [[ -z "$seed" ]]; then
    seed="$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
fi
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "torture.sh: --seed needs a whole number, not '$seed'" >&2; exit 64; }
passed+=(--holders "$holders")
echo "torture.sh: seed $seed (replay: scripts/torture.sh ${duration[*]} --seed $seed ${passed[*]})"

command -v git >/dev/null || { echo "torture.sh: git is needed" >&2; exit 69; }

build=(swift build -c "$configuration" --package-path "$root" --scratch-path "$scratch")
echo "torture.sh: building pool-torture and shesha-pool ($configuration) in $scratch" >&2
"${build[@]}" --product shesha-pool >&2
"${build[@]}" --product pool-torture >&2
bin="$("${build[@]}" --show-bin-path)"

work="$(mktemp -d "${TMPDIR:-/tmp}/shesha-torture.XXXXXX")"
child=""
# An interrupt stops the harness, which kills its children and still runs the checker.
trap '[[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null || true' INT TERM HUP

status=0
"$bin/pool-torture" run --work "$work" --shesha-pool "$bin/shesha-pool" --seed "$seed" "${duration[@]}" "${passed[@]}" &
child=$!
# wait returns early when a trapped signal arrives; wait again for the harness to finish its checks.
wait "$child" || status=$?
while kill -0 "$child" 2>/dev/null; do
    wait "$child" || status=$?
done

if [[ "$status" -ne 0 || "$keep" == true ]]; then
    echo "torture.sh: logs, database and slots kept in $work" >&2
else
    rm -rf "$work"
fi
exit "$status"
