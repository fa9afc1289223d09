#!/usr/bin/env bash
# Builds a small container image with python3 for the podman backend from this machine's own files: no
# network, no registry. The image holds the interpreter, its standard library (without tests, idle, tkinter,
# ensurepip, lib2to3, bytecode caches or the static libpython), the shared libraries `ldd` lists for it and
# its extension modules, the dynamic loader, /etc/passwd and /etc/group with nobody (65534), and /tmp.
#
#   scripts/make-python-image.sh [--force] [IMAGE]
#
# IMAGE defaults to $SHESHA_PYTHON_IMAGE, else localhost/shesha-python:latest. The interpreter is $PYTHON,
# else the system's /usr/bin/python3; podman's storage driver is $SHESHA_PODMAN_STORAGE_DRIVER (default
# vfs, as ContainerEngineIsolation uses). An existing image is kept unless --force is given. Progress goes
# to stderr; the image name goes to stdout. Exits 69 when podman is missing, 64 on bad usage.
set -euo pipefail

# The same global flags as ContainerEngineIsolation uses for podman, so the image lands in the same store.
# A store keeps the driver it was first used with: SHESHA_PODMAN_STORAGE_DRIVER="" uses podman's own default.
storage_driver="${SHESHA_PODMAN_STORAGE_DRIVER-vfs}"
podman_flags=(--runtime runc --cgroup-manager cgroupfs)
[ -n "$storage_driver" ] && podman_flags+=(--storage-driver "$storage_driver")

say() { printf '%s\n' "make-python-image: $*" >&2; }

force=0
image="${SHESHA_PYTHON_IMAGE:-localhost/shesha-python:latest}"
image_given=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h | --help)
            sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
            exit 0
            ;;
        -*)
            say "unknown option '$arg'; usage: scripts/make-python-image.sh [--force] [IMAGE]"
            exit 64
            ;;
        *)
            if [ "$image_given" = 1 ]; then
                say "more than one image name given; usage: scripts/make-python-image.sh [--force] [IMAGE]"
                exit 64
            fi
            image="$arg"
            image_given=1
            ;;
    esac
done

if ! command -v podman >/dev/null 2>&1; then
    say "podman is not installed; install it with: sudo apt-get install podman runc"
    exit 69
fi

previous=""
if podman "${podman_flags[@]}" image exists "$image"; then
    if [ "$force" = 0 ]; then
        say "image $image already exists (use --force to rebuild)"
        printf '%s\n' "$image"
        exit 0
    fi
    previous="$(podman "${podman_flags[@]}" image inspect --format '{{.Id}}' "$image")"
    say "rebuilding $image (--force)"
fi

python="$(readlink -f "${PYTHON:-/usr/bin/python3}")"
if [ ! -x "$python" ]; then
    say "no python interpreter at ${PYTHON:-/usr/bin/python3}; set PYTHON to one"
    exit 69
fi
# The standard library folder and the extension-module folder (inside it on Debian, not everywhere).
read -r stdlib dynload < <("$python" -c '
import sys, sysconfig
stdlib = sysconfig.get_paths()["stdlib"]
dynload = next((p for p in sys.path if p.endswith("lib-dynload")), stdlib)
print(stdlib, dynload)')
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
say "using $python (Python $version, standard library $stdlib)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
mkdir -p "$root"

# Keep the host's merged-/usr symlinks (bin -> usr/bin, lib -> usr/lib ...) so that library paths as ldd
# prints them (/lib/x86_64-linux-gnu/libc.so.6, /lib64/ld-linux-x86-64.so.2) resolve the same inside.
for top in bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$top" ]; then
        target="$(readlink "/$top")"
        mkdir -p "$root/$target"
        ln -s "$target" "$root/$top"
    fi
done

# Copies a host file to the same path in the image, following symlinks (a library's soname link
# becomes a regular file).
copy_file() {
    mkdir -p "$root$(dirname "$1")"
    cp -L "$1" "$root$1"
}

copy_file "$python"
mkdir -p "$root/usr/bin"
[ -e "$root/usr/bin/python3" ] || ln -s "$python" "$root/usr/bin/python3"

# The standard library, without what a REPL never needs.
mkdir -p "$root$stdlib"
tar -C "$stdlib" -cf - \
    --exclude='__pycache__' --exclude='test' --exclude='tests' --exclude='idle_test' \
    --exclude='idlelib' --exclude='tkinter' --exclude='turtledemo' --exclude='ensurepip' \
    --exclude='lib2to3' --exclude='config-*' --exclude='site-packages' --exclude='dist-packages' \
    --exclude='EXTERNALLY-MANAGED' . | tar -C "$root$stdlib" -xf -
if [ "${dynload#"$stdlib"/}" = "$dynload" ]; then
    mkdir -p "$root$dynload"
    cp -a "$dynload/." "$root$dynload/"
fi

# Shared libraries of the interpreter and its extension modules, plus the dynamic loader ldd names
# without "=>".
libraries="$(
    ldd "$python" "$dynload"/*.so 2>/dev/null | awk '
        $2 == "=>" && $3 ~ /^\// { print $3 }
        $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u
)"
count=0
for library in $libraries; do
    copy_file "$library"
    count=$((count + 1))
done
say "copied $count shared libraries"

mkdir -p "$root/etc" "$root/tmp" "$root/box" "$root/opt/shesha" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF

tar -C "$root" --numeric-owner -cf "$stage/rootfs.tar" .
say "root filesystem: $(du -sh "$stage/rootfs.tar" | cut -f1)"
podman "${podman_flags[@]}" import --quiet \
    --change 'CMD ["/usr/bin/python3"]' --change 'WORKDIR /box' \
    "$stage/rootfs.tar" "$image" >/dev/null
# The image must run python3 on its own, as the isolation will run it.
if ! check="$(podman "${podman_flags[@]}" run --rm --network none --user 65534:65534 \
    --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$image" \
    /usr/bin/python3 -c 'import json, resource, socket, sys; print(sys.version.split()[0])' 2>&1)"; then
    podman "${podman_flags[@]}" rmi -f "$image" >/dev/null 2>&1 || true
    say "the imported image cannot run python3, removed it: $check"
    exit 1
fi
say "imported $image (python3 $check runs inside)"
# The replaced image, now nameless, goes too unless a container still uses it.
if [ -n "$previous" ] && podman "${podman_flags[@]}" rmi "$previous" >/dev/null 2>&1; then
    say "removed the previous image ${previous:0:12}"
fi
printf '%s\n' "$image"
