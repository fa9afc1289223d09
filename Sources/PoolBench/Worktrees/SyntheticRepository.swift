/// The benchmark's git repository, made by scripts/make-synthetic-repo.py: the same file count always
/// gives the same tree and commit.
enum SyntheticRepository {
    /// Makes the repository at `path` (which must not exist); returns how long it took in seconds.
    @discardableResult
    static func make(at path: String, files: Int, script: String, runner: TimedCommands) throws -> Double {
        let python = try findOnPath("python3")
        let finished = try runner.run(python, [script, path, "--files", String(files)], log: "make-repository")
        return Double(finished.nanoseconds) / 1e9
    }
}
