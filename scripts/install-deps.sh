#!/usr/bin/env bash
# Installs the system packages the build and tests need, as root and only what is missing.
set -euo pipefail
missing=()
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev pkg-config)
command -v git >/dev/null 2>&1 || missing+=(git)
# The LLM client's HTTP (FoundationNetworking) links libcurl; a static build needs its development files.
pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
# Sandboxes: bubblewrap is the default backend; podman (with runc) is tested when it can run.
# setpriv (util-linux) hands a root host's sandboxes to an unprivileged user.
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# The copy-in benchmark makes an xfs image with reflinks (mkfs.xfs lives in /sbin).
[ -x /sbin/mkfs.xfs ] || [ -x /usr/sbin/mkfs.xfs ] || missing+=(xfsprogs)
# The sandboxes run the system's Python (/usr/bin/python3), whatever python3 PATH finds first.
[ -x /usr/bin/python3 ] || missing+=(python3)
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
