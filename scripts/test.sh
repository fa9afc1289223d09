#!/usr/bin/env bash
# The one test command: installs what the build needs (as root, only what is missing), then runs every
# test with `swift test`. Extra arguments go to `swift test` (e.g. --filter MultiProcess).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev pkg-config)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "missing packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
        exit 69
    fi
fi

exec swift test "$@"
