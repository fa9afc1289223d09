#!/usr/bin/env bash
# A self-hosted GitHub Actions runner's job-completed hook: releases the worktree job-started.sh leased,
# which resets it for the next job. See job-started.sh.
set -euo pipefail

holder="gha-$(printf '%s' "${RUNNER_NAME:-runner}-${GITHUB_RUN_ID:?}-${GITHUB_RUN_ATTEMPT:-1}-${GITHUB_JOB:?}" \
    | tr -c 'A-Za-z0-9._-' '-')"
shesha-pool release --holder "$holder" --owner-pid "${SHESHA_POOL_OWNER_PID:-$PPID}"
