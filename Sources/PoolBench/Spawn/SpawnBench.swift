import Foundation
import PoolCore

/// `pool-bench spawn [COUNT]`: the cost of one supervised command. Runs `git --version` COUNT times
/// (default 200) one after another through the runner the pool used before (Foundation.Process, two
/// reader blocks and a termination handler) and through `CommandRunner` (posix_spawn into a process group,
/// one poll thread with a pidfd, a time limit, the worker-death watchdog), and prints the times.
enum SpawnBench {
    static func run(_ arguments: [String]) async throws {
        let count =
            try arguments.first.map { text in
                guard let count = Int(text), count >= 1 else {
                    throw BenchError("spawn needs a count of at least 1, not \(text)")
                }
                return count
            } ?? 200
        guard let git = CommandRunner.find("git") else { throw BenchError("git is not on PATH") }
        // One call each first: the watchdog starts on the first supervised command, once per process.
        _ = try await FoundationProcessRunner.run(git, ["--version"])
        _ = try await CommandRunner.run(git, ["--version"], timeout: .seconds(600))
        for round in 1...2 {
            for name in ["Foundation.Process (before)", "CommandRunner (now)"] {
                var times: [Duration] = []
                let clock = ContinuousClock()
                for _ in 0..<count {
                    let started = clock.now
                    let status: Int32
                    if name.hasPrefix("Foundation") {
                        status = try await FoundationProcessRunner.run(git, ["--version"]).status
                    } else {
                        status = try await CommandRunner.run(git, ["--version"], timeout: .seconds(600)).status
                    }
                    guard status == 0 else { throw BenchError("git --version exited \(status)") }
                    times.append(clock.now - started)
                }
                times.sort()
                let total = times.reduce(Duration.zero, +)
                print(
                    "round \(round)  \(name.padding(toLength: 28, withPad: " ", startingAt: 0))  \(count) x git --version: "
                        + "total \(milliseconds(total)) ms, median \(milliseconds(times[count / 2])) ms, "
                        + "p95 \(milliseconds(times[min(count - 1, count * 95 / 100)])) ms"
                )
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(
            format: "%.2f",
            Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
        )
    }
}

/// The runner PoolCore had before CommandRunner was supervised (kept here as the baseline).
enum FoundationProcessRunner {
    static func run(_ executable: String, _ arguments: [String]) async throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            let group = DispatchGroup()
            let collected = Collected()
            for (pipe, isError) in [(output, false), (errors, true)] {
                group.enter()
                DispatchQueue.global().async {
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    collected.store(data, isError: isError)
                    group.leave()
                }
            }
            group.enter()
            process.terminationHandler = { _ in group.leave() }
            do {
                try process.run()
            } catch {
                try? output.fileHandleForWriting.close()
                try? errors.fileHandleForWriting.close()
                group.leave()
                group.notify(queue: .global()) { continuation.resume(throwing: error) }
                return
            }
            group.notify(queue: .global()) {
                let (stdout, stderr) = collected.texts
                continuation.resume(
                    returning: CommandResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
                )
            }
        }
    }

    /// Output gathered by two reader threads.
    private final class Collected: @unchecked Sendable {
        // Safe: both fields are written under `lock` and read after the DispatchGroup has finished.
        private let lock = NSLock()
        private var stdout = Data()
        private var stderr = Data()

        func store(_ data: Data, isError: Bool) {
            lock.lock()
            defer { lock.unlock() }
            if isError { stderr = data } else { stdout = data }
        }

        var texts: (String, String) {
            lock.lock()
            defer { lock.unlock() }
            return (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
    }
}
