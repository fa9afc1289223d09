/// A command line the bench cannot run: printed with the usage text, exit status 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

enum Usage {
    static let text = """
        usage: pool-bench [--quick] [--json FILE] [--only SECTION,...] [--shesha-pool PATH] [--repo-script PATH]
                          [--startup-reference PATH]
                          [--repetitions N] [--disk DIR] [--tmpfs DIR] [--files N] [--duration SECONDS]
                          [--processes N,N,...] [--half-slots | --no-half-slots] [--cycles N]
                          [--startup-runs N] [--sandbox-cycles N] [--cold-cycles N] [--engine-cold-cycles N]
                          [--backends LIST] [--sandbox-dir DIR] [--rlm-queries N] [--swift-version TEXT]

        Measures shesha-pool against its baselines and prints one table (stdout; progress on stderr).
        Sections (all by default, in this order):
          ledger     acquire+release through PoolCore on a no-op backend: 1 process, then 2, 8, 16 processes
                     on one database, the project's busy strategy against SQLite's default busy handler
          scale      one process's acquire+release with 10, 1,000 and 10,000 slots, and after a long history
          worktrees  cold `git worktree add`/`remove` against warm `shesha-pool acquire`/`release`, the library
                     call, the reset after a typical change, 16 concurrent acquires; on tmpfs and on disk
          startup    `shesha-pool acquire`, `release`, `status` and `--help` on a one-slot pool of a tiny
                     repository, against the start-up reference (argument-parser, three subcommands) and
                     spawning /bin/true
          sandbox    per backend (bwrap, process, podman, docker; one that cannot run here is listed as
                     skipped), `print(1+1)` in a warm sandbox of a pool (acquire + execute + release, in
                     process and through the CLI) against a cold sandbox per call (start, execute, stop)
          rlm        one scripted RLMEngine query (HTTP to a server on 127.0.0.1, code in bwrap) with a
                     container pool against a sandbox started and stopped per query
          wait       32 processes waiting on 1 busy slot: their CPU per second of waiting and the hand-over
                     latency from a release to the next acquire, the old polling wait against the wake-up
          copyin     a new slot with a 200 MB ignored cache: reflinked on an xfs loop image (root; else
                     skipped, saying why), copied on the disk folder, and written by a setup command
        Both sides of every comparison run in the same repetition, interleaved; figures are medians with
        (min..max) over the repetitions.

          --quick              shorter runs, fewer repetitions, a 5,000-file repository (under 2 minutes)
          --json FILE          also write every figure as JSON to FILE
          --only LIST          run only these sections (ledger,scale,worktrees,startup,sandbox,rlm,wait,copyin)
          --shesha-pool PATH   the shesha-pool executable to time (needed by worktrees, startup, sandbox)
          --repo-script PATH   scripts/make-synthetic-repo.py (needed by worktrees and startup)
          --startup-reference PATH  the start-up reference program, built as shesha-pool is (needed by
                               startup)
          --repetitions N      repetitions of every comparison (default: ledger 3, scale 5, worktrees 7,
                               wait 3; quick: 2, 3, 3, 1)
          --disk DIR           on-disk folder to work in (default $TMPDIR or /tmp)
          --tmpfs DIR          tmpfs folder to work in (default /dev/shm)
          --files N            files in the synthetic repository (default 20000, quick 5000)
          --duration SECONDS   length of each multi-process ledger run (default 3, quick 1)
          --processes LIST     process counts of the multi-process ledger runs (default 2,8,16)
          --half-slots         also run each process count with half as many slots (default; not in quick)
          --no-half-slots      skip those runs
          --cycles N           measured cycles per single-process run (default 2000, quick 1000 for scale)
          --startup-runs N     runs of each startup command (default 30)
          --sandbox-cycles N   warm sandbox cycles per backend, in process and through the CLI each
                               (default 200, quick 40)
          --cold-cycles N      cold sandbox cycles of bwrap and process (default 40, quick 12)
          --engine-cold-cycles N  cold cycles of podman and docker, about 1 s each (default 12, quick 4)
          --backends LIST      sandbox backends to measure (default bwrap,process,podman,docker)
          --sandbox-dir DIR    folder for the sandbox slots; others must be able to enter it, as bwrap
                               sandboxes run as nobody under root (default /tmp)
          --rlm-queries N      queries of each rlm workload (default 30, quick 10)
          --swift-version TEXT recorded with the results (scripts/bench.sh passes `swift --version`)

        Every folder the bench makes is removed at the end.
        pool-bench worker ...  is the child process of the multi-process ledger runs; not for direct use.
        pool-bench spawn [N]   times N (default 200) `git --version` runs through the command runner
                               against the Foundation.Process runner it replaced.
        pool-bench waiter ...  is the child process of the wait section; not for direct use.
        """
}
