import CLinux
public import FoundationEssentials
import Dispatch
import Glibc
import PoolCore
import SheshaSystem
import Synchronization

/// One container engine CLI (podman or docker) with the global flags every call needs.
struct EngineCommand: Sendable {
    /// The CLI as given: a name looked up on PATH, or a path.
    var engine: String
    /// Flags placed before the subcommand (podman's runtime, cgroup manager and storage driver).
    var globalFlags: [String]

    /// How long one engine call may take: starting a sandbox from a local image takes a second or two, and
    /// a call that hangs (a storage lock held by a dead engine, a registry that never answers) must not
    /// hold its slot, and a place under the pool's maximum, for ever.
    static let timeout: Duration = .seconds(300)

    /// The CLI's path, or nil when it is not installed.
    var executable: String? { CommandRunner.find(engine) }

    /// Runs `<engine> <global flags> <arguments>` to completion.
    func run(_ arguments: [String], timeout: Duration = Self.timeout) async throws -> EngineResult {
        guard let executable else {
            throw EngineCommandFailed(command: engine, status: 127, message: "\(engine) is not installed")
        }
        return try await Self.spawnAndWait([executable] + globalFlags + arguments, timeout: timeout)
    }

    /// Runs it and returns its stdout, or throws with its first error line when it fails.
    func output(_ arguments: [String]) async throws -> String {
        let result = try await run(arguments)
        guard result.succeeded else { throw failure(arguments, result) }
        return result.stdout
    }

    func failure(_ arguments: [String], _ result: EngineResult) -> EngineCommandFailed {
        EngineCommandFailed(
            command: ([engine] + globalFlags + arguments).joined(separator: " "),
            status: result.status,
            message: Self.firstLine(of: result.stderr) ?? "no message"
        )
    }

    /// The first non-empty line of a CLI's error output, without podman's "Error: " prefix.
    static func firstLine(of text: String) -> String? {
        guard let line = text.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            return nil
        }
        let trimmed = line.trimmingWhitespace()
        return trimmed.hasPrefix("Error: ") ? String(trimmed.dropFirst("Error: ".count)) : trimmed
    }

    /// Runs a program with its output in unlinked temporary files and none of our other descriptors.
    /// podman hands every descriptor it inherits on to conmon, which outlives the call (it stays with the
    /// container): a pipe of ours, or of another thread's child, would then never reach end-of-file.
    static func spawnAndWait(_ arguments: [String], timeout: Duration) async throws -> EngineResult {
        let output = try UnlinkedFile()
        let errors = try UnlinkedFile()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.descriptor, 2)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

        let attributes = SpawnAttributes(.sameGroup)
        var argv = arguments.map { strdup($0) } + [nil]
        defer {
            for argument in argv { free(argument) }
        }
        var pid: pid_t = 0
        let failure = posix_spawn(&pid, arguments[0], &actions, &attributes.raw, &argv, environ)
        guard failure == 0 else {
            throw EngineCommandFailed(
                command: arguments.joined(separator: " "),
                status: 127,
                message: "cannot start it: \(SystemError(call: "posix_spawn", path: arguments[0], code: failure))"
            )
        }
        let code = await Self.wait(for: pid, timeout: timeout)
        guard let code else {
            throw EngineCommandFailed(
                command: arguments.joined(separator: " "),
                status: 124,
                message: "it did not end within \(timeout), so it was stopped (SIGTERM, then SIGKILL)"
            )
        }
        return EngineResult(status: code, stdout: try output.contents(), stderr: try errors.contents())
    }
}

extension EngineCommand {
    /// Waits for `pid` to end, reaps it and returns its exit code; past `timeout` it gets SIGTERM, then
    /// SIGKILL 5 s later, and the result is nil. The child is reaped only after the timer can no longer
    /// signal it, so a signal never reaches another process that took its pid.
    static func wait(for pid: pid_t, timeout: Duration) async -> Int32? {
        let ended = EndedFlag()
        // Whether the timer signalled the child: then it did not end by itself in time.
        let timer = Task.detached {
            var signalled = false
            for (pause, signal) in [(timeout, SIGTERM), (Duration.seconds(5), SIGKILL)] {
                guard (try? await Task.sleep(for: pause)) != nil else { break }
                guard ended.state.withLock({ isEnded in isEnded ? false : kill(pid, signal) == 0 }) else { break }
                signalled = true
            }
            return signalled
        }
        // waitid blocks, so it runs on a thread of its own rather than a cooperative one.
        let code = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                // Ended but not reaped: the pid stays ours until the timer knows.
                _ = ChildExit.waitForExit(of: pid)
                ended.state.withLock { $0 = true }
                continuation.resume(returning: ChildExit.reap(pid))
            }
        }
        timer.cancel()
        return await timer.value ? nil : code
    }
}

/// Whether a child has ended, shared by its waiter and its timer.
private final class EndedFlag: Sendable {
    let state = Mutex(false)
}

/// What an engine command printed and how it ended.
struct EngineResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    var succeeded: Bool { status == 0 }
}

/// A temporary file with no name, open for a child's output and read back once the child has ended.
private final class UnlinkedFile {
    let descriptor: Int32

    init() throws {
        let folder = environmentVariable("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((folder + "/shesha-engine-XXXXXX").utf8CString)
        descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw EngineCommandFailed(
                command: "mkstemp",
                status: 1,
                message: "cannot make a temporary file: \(SystemError.last("mkstemp", path: folder))"
            )
        }
        unlink(template)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
    }

    func contents() throws -> String {
        lseek(descriptor, 0, SEEK_SET)
        return String(decoding: try readToEnd(fileDescriptor: descriptor), as: UTF8.self)
    }

    deinit {
        close(descriptor)
    }
}

/// A container engine command failed.
public struct EngineCommandFailed: Error, CustomStringConvertible, LocalizedError {
    /// The command line that failed.
    public var command: String
    public var status: Int32
    /// Its first error line.
    public var message: String

    public var description: String { "\(command) failed (exit \(status)): \(message)" }
    public var errorDescription: String? { description }
}

/// One line of `ps --format json`. podman prints an array with `Names` as a list and `Labels` as an
/// object; docker prints one object per line with both as strings ("a,b", "k=v,k2=v2").
struct EngineContainer: Decodable {
    var names: [String]
    var labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case names = "Names"
        case labels = "Labels"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let list = try? container.decode([String].self, forKey: .names) {
            names = list
        } else {
            names = try container.decode(String.self, forKey: .names).split(separator: ",").map(String.init)
        }
        if let object = try? container.decodeIfPresent([String: String].self, forKey: .labels) {
            labels = object
        } else if let text = try container.decodeIfPresent(String.self, forKey: .labels) {
            labels = Dictionary(
                text.split(separator: ",").map { pair in
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                },
                uniquingKeysWith: { first, _ in first }
            )
        } else {
            labels = [:]
        }
    }

    static func decodeList(_ output: String) throws -> [EngineContainer] {
        let trimmed = output.trimmingWhitespace()
        if trimmed.isEmpty { return [] }
        let decoder = JSONDecoder()
        if trimmed.hasPrefix("[") {
            return try decoder.decode([EngineContainer].self, from: Data(trimmed.utf8))
        }
        return try trimmed.split(separator: "\n").map { try decoder.decode(EngineContainer.self, from: Data($0.utf8)) }
    }
}
