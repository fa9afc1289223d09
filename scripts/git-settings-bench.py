#!/usr/bin/env python3
"""Measures git settings that may speed up a slot's reset, on the synthetic repository.

    git-settings-bench.py [--folder DIR] [--files N] [--repetitions N]

Each setting gets a slot of its own (`git worktree add --detach` with the setting, so index.version
takes effect), and every git command runs as the pool runs it: hooks off, plus the setting as `-c`.
The settings take turns in each repetition, so a load that comes and goes hits them alike. Per setting:

  status, clean slot     the pool's `git status` (porcelain v2, --ignored=matching) on an unchanged slot
  status -unormal        the same without --ignored (git uses its untracked cache only then)
  status, changed        the pool's status after a typical change (10 files edited, 5 added)
  checkout --force       back to the base after that change
  clean -ffd             removing the added files

Medians of wall time and of CPU time (user + system of the git process) in milliseconds. DIR should be
a tmpfs (default /dev/shm); everything made there is removed at the end.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HOOKS_OFF = ["-c", "core.hooksPath=/dev/null"]
POOL_STATUS = ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal", "--ignored=matching",
               "--ignore-submodules=none"]
PLAIN_STATUS = ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal", "--ignore-submodules=none"]

SETTINGS = [
    ("defaults (git 2.39)", []),
    ("core.untrackedCache=true", ["core.untrackedCache=true"]),
    ("core.preloadIndex=false", ["core.preloadIndex=false"]),
    ("index.version=4", ["index.version=4"]),
    ("feature.manyFiles=true", ["feature.manyFiles=true"]),
    ("core.checkStat=minimal", ["core.checkStat=minimal"]),
]


def git(arguments, folder, settings=(), check=True):
    """Runs git as the pool would; returns (wall ms, cpu ms)."""
    command = ["git"] + HOOKS_OFF + [part for setting in settings for part in ("-c", setting)] + ["-C", folder]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command + arguments, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000
    return wall, cpu


def typical_change(slot, round_number):
    for index in range(10):
        path = os.path.join(slot, f"module{index:02d}", "part0", f"file{index:05d}.txt")
        with open(path, "a") as handle:
            handle.write(f"edited in round {round_number}\n")
    for index in range(5):
        folder = os.path.join(slot, "added", f"dir{index}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "new.txt"), "w") as handle:
            handle.write("new\n")


def fsmonitor_available(repository):
    result = subprocess.run(["git", "-C", repository, "fsmonitor--daemon", "status"], capture_output=True, text=True)
    said = (result.stderr or result.stdout).strip().splitlines()
    return result.returncode == 0, said[0] if said else f"status {result.returncode}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", default="/dev/shm", help="where to work (a tmpfs; default /dev/shm)")
    parser.add_argument("--files", type=int, default=20000, help="files in the synthetic repository (default 20000)")
    parser.add_argument("--repetitions", type=int, default=15, help="rounds per setting (default 15)")
    args = parser.parse_args()
    if args.repetitions < 1 or args.files < 1:
        parser.error("--files and --repetitions must be at least 1")
    if not os.path.isdir(args.folder):
        parser.error(f"{args.folder} is not a folder; pass --folder with a tmpfs folder")

    work = tempfile.mkdtemp(prefix="git-settings-", dir=args.folder)
    try:
        repository = os.path.join(work, "repo")
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-synthetic-repo.py")
        subprocess.run([sys.executable, script, repository, "--files", str(args.files)], check=True,
                       stdout=subprocess.DEVNULL)
        base = subprocess.run(["git", "-C", repository, "rev-parse", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()
        slots = {}
        for number, (name, settings) in enumerate(SETTINGS):
            slot = os.path.join(work, f"slot-{number}")
            git(["worktree", "add", "--detach", "--quiet", slot, base], repository, settings)
            git(POOL_STATUS, slot, settings)  # the first status writes the index's stat data (and caches)
            git(PLAIN_STATUS, slot, settings)
            slots[name] = slot

        rows = ["status, clean slot", "status -unormal", "status, changed", "checkout --force", "clean -ffd"]
        samples = {(name, row): [] for name, _ in SETTINGS for row in rows}
        for round_number in range(args.repetitions):
            for name, settings in SETTINGS:
                slot = slots[name]
                samples[(name, "status, clean slot")].append(git(POOL_STATUS, slot, settings))
                samples[(name, "status -unormal")].append(git(PLAIN_STATUS, slot, settings))
                typical_change(slot, round_number)
                samples[(name, "status, changed")].append(git(POOL_STATUS, slot, settings))
                samples[(name, "checkout --force")].append(
                    git(["checkout", "--force", "--detach", "--quiet", base], slot, settings))
                samples[(name, "clean -ffd")].append(git(["clean", "-ffdq"], slot, settings))

        available, said = fsmonitor_available(repository)
        print(f"git settings on a {args.files}-file synthetic repository in {args.folder}, "
              f"{args.repetitions} rounds, {os.cpu_count()} cores; "
              f"{subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}")
        print("median wall / CPU ms")
        width = max(len(name) for name, _ in SETTINGS)
        print(f"{'setting':<{width}}  " + "  ".join(f"{row:>20}" for row in rows))
        for name, _ in SETTINGS:
            cells = []
            for row in rows:
                walls = [wall for wall, _ in samples[(name, row)]]
                cpus = [cpu for _, cpu in samples[(name, row)]]
                cells.append(f"{statistics.median(walls):8.1f} / {statistics.median(cpus):6.1f}")
            print(f"{name:<{width}}  " + "  ".join(f"{cell:>20}" for cell in cells))
        print(f"core.fsmonitor (built-in daemon): {'available' if available else 'unavailable'} ({said})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
