/// A command line the bench cannot run: printed with the usage text, exit status 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

enum Usage {
    static let text = """
        usage: pool-bench [--quick] [--json FILE] [--duration SECONDS] [--repetitions N]
                          [--processes N,N,...] [--cycles N] [--no-half-slots] [--work-dir DIR]

        Measures acquire+release cycles through PoolCore's SQLite ledger with a backend that does nothing,
        in one process and in many processes sharing one database file, for the project's busy strategy
        (backoff) and SQLite's default busy handler, interleaved, on a fresh database each run.

          --quick            shorter runs and fewer repetitions (under about a minute)
          --json FILE        also write the figures as JSON to FILE
          --duration SECONDS length of each multi-process run (default 3, quick 1.5)
          --repetitions N    runs per scenario and strategy, interleaved (default 3, quick 2)
          --processes LIST   process counts for the multi-process runs (default 8,16)
          --cycles N         measured cycles of the single-process run (default 2000)
          --no-half-slots    skip the runs with half as many slots as processes
          --work-dir DIR     put the databases under DIR (default: a new temporary folder, removed at the end)

        pool-bench worker ...  is the child process the bench spawns; not for direct use.
        """
}
