#!/usr/bin/env python3
"""Cold `git worktree add` + remove versus warm `shesha-pool acquire` + `release`, whole processes.

    bench-worktrees.py --bin PATH [--files 20000] [--reps 5] [--where /dev/shm,/tmp]

For each folder in --where: makes the synthetic repository there, then interleaves, --reps times:
cold add+remove of a worktree, and a warm CLI acquire+release against a ready pool. Then 16 concurrent
`acquire`s against 16 ready slots versus one alone. Prints medians and spread (min..max) in ms.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command, **kwargs):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return (time.perf_counter() - start) * 1000


def summary(values):
    return f"{statistics.median(values):9.1f} ms  ({min(values):.1f}..{max(values):.1f}, n={len(values)})"


def run_in(where, args):
    base = tempfile.mkdtemp(prefix="shesha-bench-", dir=where)
    try:
        repo = os.path.join(base, "repo")
        subprocess.run([sys.executable, os.path.join(HERE, "make-synthetic-repo.py"), repo, "--files", str(args.files)],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, SHESHA_POOL_DB=os.path.join(base, "state", "pool.db"), SHESHA_POOL="bench")
        subprocess.run([args.bin, "init", "worktree", "--repo", repo, "--max-size", "17",
                        "--dir", os.path.join(base, "slots")], check=True, env=env, stderr=subprocess.DEVNULL)
        subprocess.run([args.bin, "expand", "16", "--parallel", "2"], check=True, env=env, stderr=subprocess.DEVNULL)
        owner = str(os.getpid())

        cold, warm = [], []
        for rep in range(args.reps):
            path = os.path.join(base, f"cold-{rep}")
            start = time.perf_counter()
            subprocess.run(["git", "-C", repo, "worktree", "add", "--detach", "--quiet", path, "HEAD"], check=True)
            subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", path], check=True)
            cold.append((time.perf_counter() - start) * 1000)

            start = time.perf_counter()
            subprocess.run([args.bin, "acquire", "--holder", "warm", "--owner-pid", owner], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            subprocess.run([args.bin, "release", "--holder", "warm", "--owner-pid", owner], check=True, env=env,
                           stderr=subprocess.DEVNULL)
            warm.append((time.perf_counter() - start) * 1000)

        alone, together = [], []
        for rep in range(args.reps):
            alone.append(timed([args.bin, "acquire", "--holder", "solo", "--owner-pid", owner], env=env))
            subprocess.run([args.bin, "release", "--holder", "solo", "--owner-pid", owner], check=True, env=env,
                           stderr=subprocess.DEVNULL)
            start = time.perf_counter()
            processes = [subprocess.Popen([args.bin, "acquire", "--holder", f"c{i}", "--owner-pid", owner], env=env,
                                          stdout=subprocess.DEVNULL) for i in range(16)]
            if any(p.wait() != 0 for p in processes):
                raise SystemExit("a concurrent acquire failed")
            together.append((time.perf_counter() - start) * 1000)
            for i in range(16):
                subprocess.run([args.bin, "release", "--holder", f"c{i}", "--owner-pid", owner], check=True, env=env,
                               stderr=subprocess.DEVNULL)

        print(f"\n{where}: synthetic repository of {args.files} files, {args.reps} repetitions, interleaved")
        print(f"  cold git worktree add + remove      {summary(cold)}")
        print(f"  warm shesha-pool acquire + release  {summary(warm)}")
        print(f"  ratio cold / warm (medians)         {statistics.median(cold) / statistics.median(warm):9.1f}x")
        print(f"  1 acquire alone                     {summary(alone)}")
        print(f"  16 concurrent acquires (wall)       {summary(together)}")
        cores = os.cpu_count() or 1
        print(f"  16 together / 1 alone               {statistics.median(together) / statistics.median(alone):9.1f}x"
              f"  (target <= {1.5 * 16 / cores:.1f}x on {cores} cores)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the shesha-pool binary (a release build)")
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--where", default="/dev/shm," + tempfile.gettempdir())
    args = parser.parse_args()
    for where in args.where.split(","):
        if os.path.isdir(where):
            run_in(where, args)
        else:
            print(f"skipping {where}: not a folder", file=sys.stderr)


if __name__ == "__main__":
    main()
