public import Foundation

/// A child process whose output goes to files (so a chatty child never blocks on a full pipe), with
/// async waiting that does not tie up a cooperative thread.
public final class ChildProcess: Sendable {
    public let child: SpawnedChild
    /// The executable's file name, for messages.
    public let name: String
    public let stdoutURL: URL
    public let stderrURL: URL

    /// Starts `executable` with `arguments`; its output files live in `folder`.
    public init(
        executable: URL,
        arguments: [String],
        environment: [String: String]? = nil,
        currentDirectory: URL? = nil,
        outputFolder folder: URL
    ) throws {
        name = executable.lastPathComponent
        let id = UUID().uuidString.prefix(8)
        stdoutURL = folder.appending(path: "child-\(id).out")
        stderrURL = folder.appending(path: "child-\(id).err")
        child = try SpawnedChild(
            executable: executable.path(percentEncoded: false),
            arguments: arguments,
            environment: environment ?? [:],
            currentDirectory: currentDirectory?.path(percentEncoded: false),
            stdout: .file(stdoutURL.path(percentEncoded: false)),
            stderr: .file(stderrURL.path(percentEncoded: false))
        )
    }

    public var pid: Int32 { child.pid }

    /// Whether the child still runs (reaping it once it has ended).
    public var isRunning: Bool { child.isRunning }

    /// Its exit code once it has ended: the status, or 128 + the signal that ended it.
    public var exitCode: Int32? { child.exitCode }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for the process to end; returns its exit status, or 128 + signal if a signal killed it.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(120)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let code = child.exitCode { return code }
            guard ContinuousClock.now < deadline else {
                child.kill(signal: SIGTERM)
                throw ChildProcessError.timedOut(name, stderr)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until standard output contains `text`; returns the whole output so far.
    public func waitForOutput(containing text: String, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let output = stdout
            if output.contains(text) { return output }
            guard child.isRunning else {
                throw ChildProcessError.exitedEarly(output: output, error: stderr)
            }
            guard ContinuousClock.now < deadline else {
                throw ChildProcessError.timedOut(name, stderr)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func kill(signal: Int32) {
        child.kill(signal: signal)
    }
}

public enum ChildProcessError: Error, CustomStringConvertible {
    case timedOut(String, String)
    case exitedEarly(output: String, error: String)

    public var description: String {
        switch self {
        case .timedOut(let name, let stderr): return "\(name) timed out; stderr: \(stderr)"
        case .exitedEarly(let output, let error): return "child exited early; stdout: \(output) stderr: \(error)"
        }
    }
}

/// The folder of the running test binary, where SwiftPM also puts the package's executables.
public func builtExecutable(named name: String) throws -> URL {
    let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var folder = URL(filePath: me).deletingLastPathComponent()
    // On Linux the tests run from `.build/<triple>/debug/<package>PackageTests.xctest`; on macOS from
    // inside a bundle, so walk up until the executable is found.
    for _ in 0..<4 {
        let candidate = folder.appending(path: name)
        if FileManager.default.isExecutableFile(atPath: candidate.path()) {
            return candidate
        }
        folder = folder.deletingLastPathComponent()
    }
    throw ChildProcessError.exitedEarly(output: "", error: "built executable \(name) not found near \(me)")
}
