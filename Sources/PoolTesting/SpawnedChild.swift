public import Glibc
import Foundation
import Synchronization
import CLinux

/// A child process started with posix_spawn, for tests.
///
/// Not Foundation's `Process`: on Linux its `run()` lists /proc/self/fd to close inherited descriptors, and
/// over-reads a directory entry while doing so (swift-corelibs-foundation PR #5472). Past about 1,300 open
/// descriptors, which a full parallel test run reaches, that crashes the whole test process now and then.
/// Here the child closes every descriptor above 2 with `posix_spawn_file_actions_addclosefrom_np` instead.
public final class SpawnedChild: Sendable {
    public let pid: Int32
    /// The exit code once reaped: the status, or 128 + the signal that ended it.
    private let exit = Mutex<Int32?>(nil)

    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        case null
        /// Inherits the test process's own stream.
        case inherit
        /// Written to (truncating) or read from this file.
        case file(String)
    }

    /// Starts `executable` (a path) with `arguments`; `environment` is added to the test process's own.
    public init(
        executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        currentDirectory: String? = nil,
        stdin: Stream = .null,
        stdout: Stream = .inherit,
        stderr: Stream = .inherit
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (descriptor, stream, flags) in [
            (Int32(0), stdin, O_RDONLY),
            (Int32(1), stdout, O_WRONLY | O_CREAT | O_TRUNC),
            (Int32(2), stderr, O_WRONLY | O_CREAT | O_TRUNC),
        ] {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", flags, 0o644)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, descriptor, path, flags, 0o644)
            }
        }
        if let currentDirectory {
            posix_spawn_file_actions_addchdir_np(&actions, currentDirectory)
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

        // A clean signal state: Swift's threads block signals, and a child would inherit that mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard code == 0 else {
            throw ChildProcessError.exitedEarly(
                output: executable,
                error: "posix_spawn: \(String(cString: strerror(code)))"
            )
        }
        self.pid = pid
    }

    /// Whether the child still runs; reaps it once it has ended.
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit code if it has ended (and is reaped by this call), else nil.
    public var exitCode: Int32? { reap(blocking: false) }

    /// Blocks until the child ends; its exit code.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        reap(blocking: true) ?? 1
    }

    /// Sends `signal`, unless the child is already reaped (its pid may then name another process).
    public func kill(signal: Int32) {
        exit.withLock { code in
            if code == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    private func reap(blocking: Bool) -> Int32? {
        exit.withLock { code in
            if let code { return code }
            var status: Int32 = 0
            while true {
                let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
                if result == pid {
                    let signal = status & 0x7F
                    code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
                    return code
                }
                if result == 0 { return nil }
                if errno == EINTR { continue }
                // ECHILD: reaped elsewhere; its code is lost.
                code = 1
                return code
            }
        }
    }
}

/// What a command printed and how it ended, for `runToCompletion`.
public struct ToolResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` to its end, its output in files of a temporary folder; for the short tools tests call
/// (git, install, python3, chattr, mount).
public func runToCompletion(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    currentDirectory: String? = nil
) throws -> ToolResult {
    let folder = FileManager.default.temporaryDirectory.appending(path: "shesha-tool-\(UUID().uuidString)")
        .path(percentEncoded: false)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let child = try SpawnedChild(
        executable: executable,
        arguments: arguments,
        environment: environment,
        currentDirectory: currentDirectory,
        stdout: .file(folder + "/out"),
        stderr: .file(folder + "/err")
    )
    let status = child.waitUntilExit()
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? ""
    }
    return ToolResult(status: status, stdout: read("out"), stderr: read("err"))
}
