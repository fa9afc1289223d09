#!/usr/bin/env bash
# Runs a coding agent in a warm worktree of its own: agent-in-worktree.sh TASK COMMAND [ARGS...]
#
# The lease belongs to this script's shell ($$), so it ends when the script ends, however it ends; the trap
# releases it at once on a normal exit, which resets the worktree for the next agent. Commits the agent
# makes on a branch stay in the repository (add `--branch task/$task` to acquire for a task branch).
set -euo pipefail
task="${1:?usage: agent-in-worktree.sh TASK COMMAND [ARGS...]}"
shift
holder="agent-$(printf '%s' "$task" | tr -c 'A-Za-z0-9._-' '-')"

cd "$(shesha-pool acquire --holder "$holder" --owner-pid $$ --wait "${SHESHA_POOL_WAIT:-10m}")"
trap 'shesha-pool release --holder "$holder" --owner-pid $$' EXIT
"$@"
