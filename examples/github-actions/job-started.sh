#!/usr/bin/env bash
# A self-hosted GitHub Actions runner's job-started hook: leases a warm worktree for the job.
#
# Install: ACTIONS_RUNNER_HOOK_JOB_STARTED=/path/to/job-started.sh (and job-completed.sh for
# ACTIONS_RUNNER_HOOK_JOB_COMPLETED) in the runner's .env file, with SHESHA_POOL_DB and SHESHA_POOL there too.
# The job's steps find the worktree in $SHESHA_POOL_PATH (written to $GITHUB_ENV).
#
# Owner: the hook's parent, the runner's worker process for this job (Runner.Worker). It runs the hooks
# and the job's steps and exits when the job is over, so the lease outlives this script, lasts the whole
# job, and ends by itself if the runner dies before job-completed.sh runs. Set SHESHA_POOL_OWNER_PID to
# choose another process.
set -euo pipefail

# The same on every runner of a matrix: RUNNER_NAME tells them apart. Holder names allow A-Z a-z 0-9 . _ -
holder="gha-$(printf '%s' "${RUNNER_NAME:-runner}-${GITHUB_RUN_ID:?}-${GITHUB_RUN_ATTEMPT:-1}-${GITHUB_JOB:?}" \
    | tr -c 'A-Za-z0-9._-' '-')"
path="$(shesha-pool acquire --holder "$holder" --owner-pid "${SHESHA_POOL_OWNER_PID:-$PPID}" \
    --wait "${SHESHA_POOL_WAIT:-10m}")"
{
    echo "SHESHA_POOL_HOLDER=$holder"
    echo "SHESHA_POOL_PATH=$path"
} >>"${GITHUB_ENV:?}"
echo "shesha-pool: $holder works in $path" >&2
