#!/usr/bin/env python3
"""Makes a deterministic synthetic git repository for benchmarks.

    make-synthetic-repo.py OUT [--files N]   (default 20000 files of a few KiB in nested folders)

The same N gives the same tree and the same commit id: contents come from a counter, and the commit
has a fixed author, committer and date. An ignored build/ folder rule is included.
"""
import argparse
import os
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="folder to create (must not exist)")
    parser.add_argument("--files", type=int, default=20000, help="number of files (default 20000)")
    args = parser.parse_args()
    if args.files < 1:
        parser.error("--files must be at least 1")
    if os.path.exists(args.out):
        parser.error(f"{args.out} already exists; pass a new folder")

    os.makedirs(args.out)
    line = "".join(chr(ord("a") + i % 26) for i in range(63)) + "\n"
    for index in range(args.files):
        # 20 top folders x 10 subfolders x ~100 files each at the default size.
        folder = os.path.join(args.out, f"module{index % 20:02d}", f"part{(index // 20) % 10}")
        os.makedirs(folder, exist_ok=True)
        size_lines = 16 + index % 48  # 1 to 4 KiB
        with open(os.path.join(folder, f"file{index:05d}.txt"), "w") as handle:
            handle.write(f"file {index}\n")
            handle.write(line * size_lines)
    with open(os.path.join(args.out, ".gitignore"), "w") as handle:
        handle.write("build/\nnode_modules/\n")
    with open(os.path.join(args.out, "package-lock.json"), "w") as handle:
        handle.write('{"lockfileVersion": 3}\n')

    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    })
    for command in (["init", "--quiet", "--initial-branch=main"], ["add", "--all"],
                    ["commit", "--quiet", "-m", f"synthetic repository of {args.files} files"]):
        subprocess.run(["git", "-C", args.out] + command, check=True, env=env)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
