enum Usage {
    static let text = """
        usage: pool-torture run --work DIR --shesha-pool PATH [--seconds S | --minutes M] [--seed N]
                                [--until-holder-kills K] [--until-cycles C] [--max-seconds X]
                                [--holders H] [--maintenance L] [--kill-every-ms K] [--max-hold-ms M]
                                [--repo-files F] [--kind worktree|container]
               pool-torture check --work DIR --shesha-pool PATH

        run: makes a repository and a worktree pool in DIR (new or empty), then for S seconds (default 30)
        runs H holder processes (default 8) that acquire, hold up to M ms (default 200) and release; L
        maintenance lanes (default 2) running `shesha-pool expand 1 | shrink 1 | cleanup | doctor --fix`
        at random; and a killer that SIGKILLs a random holder or maintenance process about every K ms
        (default 1000). Then stops everything and runs the checker. Every random choice comes from the
        seed, printed first; exits 1 if the checker finds a violation. With --until-holder-kills or
        --until-cycles the run goes on past S seconds until the killer has hit K holders and C tenures have
        ended (so a slow machine tests as much as a fast one), but never past X seconds (default 600). --kind container uses a pool of
        bwrap sandboxes instead of worktrees: each holder checks its sandbox starts with no name or file an
        earlier tenure left, leaves its own, and checks they read back; the run stops every sandbox at the end.

        check: the checker alone, on the DIR of a finished run: tenures never overlap, tokens increase,
        disk, git and the database agree, the database is sound, killed holders' slots were reclaimed,
        the event log accounts for every acquire; for container pools, every slot runs exactly one sandbox,
        no sandbox runs outside a slot, and every runner answers a ping.
        """
}
