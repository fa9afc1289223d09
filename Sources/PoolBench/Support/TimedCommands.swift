import Foundation

/// Runs whole programs the way a user's shell would (a new process each), timing each from spawn to exit.
/// Their output goes to files in `logFolder`; a failure throws with the command's stderr.
struct TimedCommands {
    let logFolder: String

    struct Finished {
        var nanoseconds: Int64
        var stdout: String
    }

    /// Runs one command to completion.
    @discardableResult
    func run(_ executable: String, _ arguments: [String], log: String = "command") throws -> Finished {
        let started = MonotonicTime.nanoseconds()
        let child = try start(executable, arguments, log: log)
        let status = try child.wait()
        let elapsed = MonotonicTime.nanoseconds() - started
        return Finished(nanoseconds: elapsed, stdout: try finish(child, status: status, log: log))
    }

    /// Runs several commands at once; returns the wall time from the first spawn to the last exit, and
    /// each one's stdout.
    func runTogether(_ commands: [(executable: String, arguments: [String])], log: String) throws
        -> (nanoseconds: Int64, stdouts: [String])
    {
        var children: [ChildProcess] = []
        defer {
            for child in children {
                child.kill()
                _ = try? child.wait()
            }
        }
        let started = MonotonicTime.nanoseconds()
        for (index, command) in commands.enumerated() {
            children.append(try start(command.executable, command.arguments, log: "\(log)-\(index)"))
        }
        let statuses = try children.map { try $0.wait() }
        let elapsed = MonotonicTime.nanoseconds() - started
        let stdouts = try zip(children, statuses).enumerated().map { index, pair in
            try finish(pair.0, status: pair.1, log: "\(log)-\(index)")
        }
        return (elapsed, stdouts)
    }

    private func start(_ executable: String, _ arguments: [String], log: String) throws -> ChildProcess {
        try ChildProcess(
            executable: executable, arguments: arguments,
            label: ([(executable as NSString).lastPathComponent] + arguments).joined(separator: " "),
            stdout: .file(path(log, "out")), stderr: .file(path(log, "err"))
        )
    }

    private func finish(_ child: ChildProcess, status: Int32, log: String) throws -> String {
        let stdout = (try? String(contentsOfFile: path(log, "out"), encoding: .utf8)) ?? ""
        guard status == 0 else {
            let stderr = (try? String(contentsOfFile: path(log, "err"), encoding: .utf8)) ?? ""
            let message = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw BenchError("`\(child.label)` exited with status \(status): \(message)")
        }
        return stdout
    }

    private func path(_ log: String, _ stream: String) -> String {
        "\(logFolder)/\(log).\(stream)"
    }
}
