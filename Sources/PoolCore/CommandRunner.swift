import Foundation

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var succeeded: Bool { status == 0 }
}

/// Runs a program to completion, capturing its output. Both pipes are drained at once, so a command
/// that writes a lot to one of them never blocks on the other.
public enum CommandRunner {
    public static func run(
        _ executable: String,
        _ arguments: [String],
        in folder: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        if let folder {
            process.currentDirectoryURL = URL(filePath: folder, directoryHint: .isDirectory)
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
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
                // Nothing was started: close our write ends so the readers finish, then report.
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

    /// Finds `name` on PATH, as a shell would.
    public static func find(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
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
