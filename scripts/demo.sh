#!/usr/bin/env bash
# The main job, end to end: builds shesha-pool (release), makes a small git repository (or uses
# --repo PATH), creates the worktree pool "demo" in the default database (or $SHESHA_POOL_DB), fills it,
# runs six jobs at once through `shesha-pool run`, and prints the pool's status and stats; then drives
# two warm Python sandboxes of the container pool "demo-sandboxes" across several `exec` calls.
set -euo pipefail
cd "$(dirname "$0")/.."

repo=""
while [ $# -gt 0 ]; do
    case "$1" in
        --repo) repo="$2"; shift 2 ;;
        -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown argument $1 (use --repo PATH)" >&2; exit 64 ;;
    esac
done

bash scripts/install-deps.sh
echo "building shesha-pool (release)..." >&2
# A static Swift runtime halves start-up time (no dynamic symbol binding), which every call pays; so does a
# static SQLite, a little (see Package.swift).
export SHESHA_POOL_STATIC_SQLITE=1
swift build -c release --product shesha-pool --static-swift-stdlib >&2
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/shesha-pool"

if [ -z "$repo" ]; then
    repo="${TMPDIR:-/tmp}/shesha-pool-demo-repo"
    if [ ! -d "$repo/.git" ]; then
        mkdir -p "$repo/src"
        printf 'demo repository\n' > "$repo/README.md"
        for i in $(seq 1 50); do printf 'file %s\n' "$i" > "$repo/src/file$i.txt"; done
        printf 'build/\n' > "$repo/.gitignore"
        git -C "$repo" init --quiet --initial-branch=main
        git -C "$repo" add --all
        git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit --quiet -m "demo"
    fi
fi

export SHESHA_POOL=demo
if ! "$bin" status >/dev/null 2>&1; then
    "$bin" init worktree --repo "$repo" --max-size 4 --on-exhausted wait
fi
"$bin" expand 4 || true   # says so when the pool is already at its maximum

echo "running 6 jobs on 4 slots..." >&2
for i in 1 2 3 4 5 6; do
    "$bin" run --holder "demo-job-$i" --wait 1m -- \
        sh -c 'echo "job in $SHESHA_POOL_SLOT (lease $SHESHA_POOL_TOKEN): $(git rev-parse --short HEAD)"; echo scratch > build.log; sleep 1' &
done
wait

"$bin" status
"$bin" stats

echo "driving two Python sandboxes (bubblewrap) across separate exec calls..." >&2
export SHESHA_POOL=demo-sandboxes
if ! "$bin" status >/dev/null 2>&1; then
    # Not beside the database: as root the sandboxes run as nobody, who must be able to enter their folder.
    sandboxes="${TMPDIR:-/tmp}/shesha-pool-demo-sandboxes"
    rm -rf "$sandboxes"
    "$bin" init container --dir "$sandboxes" --max-size 2 --min-idle 2
fi
for holder in alice bob; do
    "$bin" acquire --holder "$holder" --owner-pid $$ >/dev/null
    "$bin" exec --holder "$holder" "who = '$holder'; import os"
done
for holder in alice bob; do
    "$bin" exec --holder "$holder" 'print(f"{who} runs as uid {os.getuid()}, pid {os.getpid()} in its own namespace")'
    "$bin" release --holder "$holder" --owner-pid $$
done
"$bin" status
