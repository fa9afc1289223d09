import CLinux
import FoundationEssentials
import Glibc
import SheshaSystem
import Synchronization

/// What a finished command printed and how it ended.
public struct CommandResult: Sendable {
    /// The exit status, or 128 + the signal that ended it.
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var succeeded: Bool { status == 0 }

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs a slow child command under supervision (DESIGN invariant 8):
///
/// - in a process group of its own, with stdin on /dev/null, a clean signal mask and none of our other
///   descriptors; stdout and stderr are drained at once, so a chatty command never blocks;
/// - with a time limit: past it the whole group gets SIGTERM, then SIGKILL after `terminationGrace`, and
///   the call throws `CommandTimedOut` with the command's last output;
/// - bound to this process's life: if this process dies, even by SIGKILL, `WorkerDeathWatchdog` stops the
///   group; if the calling task is cancelled, the group is killed;
/// - leaving nothing behind: once the command exits, what it left running in its group is killed.
///
/// `SHESHA_POOL_WORK` in `environment` tags the command and its children with what they work on (a slot's
/// path), which is how `doctor` finds overdue work without a write per command.
public enum CommandRunner {
    /// Time between SIGTERM and SIGKILL for a command past its limit.
    public static let terminationGrace: Duration = .seconds(5)
    /// The environment variable naming what a command works on (see `WorkProcesses`).
    public static let workVariable = "SHESHA_POOL_WORK"

    public static func run(
        _ executable: String,
        _ arguments: [String],
        in folder: String? = nil,
        environment: [String: String] = [:],
        timeout: Duration? = nil,
        mergingErrors: Bool = false,
        keepingLast outputLimit: Int? = nil
    ) async throws -> CommandResult {
        let child = try SupervisedChild(
            executable: executable,
            arguments: arguments,
            folder: folder,
            environment: environment,
            mergingErrors: mergingErrors
        )
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let supervise: @Sendable () -> SupervisedChild.Outcome = {
                    child.supervise(timeout: timeout, grace: terminationGrace, outputLimit: outputLimit)
                }
                // poll() and waitpid() block: a thread of its own keeps them off the cooperative pool.
                do {
                    try startDetachedThread { continuation.resume(returning: supervise()) }
                } catch {
                    // No thread to spare: supervise here, holding this thread at most for the time limit.
                    continuation.resume(returning: supervise())
                }
            }
        } onCancel: {
            child.stop()
        }
        try Task.checkCancellation()
        let stdout = String(decoding: outcome.stdout, as: UTF8.self)
        let stderr = String(decoding: outcome.stderr, as: UTF8.self)
        if outcome.timedOut, let timeout {
            throw CommandTimedOut(
                command: [executable] + arguments,
                timeout: timeout,
                lastOutput: String((stdout + stderr).suffix(4_000))
            )
        }
        return CommandResult(status: outcome.status, stdout: stdout, stderr: stderr)
    }

    /// Finds `name` on PATH, as a shell would.
    public static func find(_ name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = environmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}

/// One started command: its pid (which is also its process group's id), the read ends of its output
/// pipes and a pidfd that becomes readable when it exits.
final class SupervisedChild: Sendable {
    let pid: pid_t
    private let output: Int32
    private let errors: Int32
    private let exitDescriptor: Int32
    /// Set once the group has been reaped: a late `stop()` must not signal a recycled id.
    private let isReaped = Atomic<Bool>(false)

    struct Outcome: Sendable {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var timedOut: Bool
    }

    init(
        executable: String,
        arguments: [String],
        folder: String?,
        environment: [String: String],
        mergingErrors: Bool
    ) throws {
        let outputPipe = try Self.pipe()
        let errorPipe: (read: Int32, write: Int32)
        do {
            errorPipe = try Self.pipe()
        } catch {
            close(outputPipe.read)
            close(outputPipe.write)
            throw error
        }
        defer {
            close(outputPipe.write)
            close(errorPipe.write)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, mergingErrors ? outputPipe.write : errorPipe.write, 2)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        if let folder {
            posix_spawn_file_actions_addchdir_np(&actions, folder)
        }
        let attributes = SpawnAttributes(.newGroup)

        var variablesByName = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        variablesByName[WorkerDeathWatchdog.workerVariable] = WorkerDeathWatchdog.workerTag
        let variables = variablesByName.map { "\($0)=\($1)" }
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        WorkerDeathWatchdog.shared.spawning()
        let failure = posix_spawn(&pid, executable, &actions, &attributes.raw, &argv, &envp)
        guard failure == 0 else {
            WorkerDeathWatchdog.shared.spawnFailed()
            [outputPipe.read, errorPipe.read].forEach { close($0) }
            throw SystemError(call: "posix_spawn", path: executable, code: failure)
        }
        WorkerDeathWatchdog.shared.register(pid)
        self.pid = pid
        self.output = outputPipe.read
        self.errors = errorPipe.read
        // Without a pidfd (a kernel before 5.3) the exit is found by polling waitpid.
        self.exitDescriptor = clinux_pidfd_open(pid)
    }

    /// Kills the whole group at once (the caller was cancelled).
    func stop() {
        if !isReaped.load(ordering: .acquiring) {
            kill(-pid, SIGKILL)
        }
    }

    /// Drains the output, enforces the time limit and waits for the end; closes every descriptor.
    func supervise(timeout: Duration?, grace: Duration, outputLimit: Int?) -> Outcome {
        var stdout = OutputBuffer(limit: outputLimit)
        var stderr = OutputBuffer(limit: outputLimit)
        var outputOpen = true
        var errorsOpen = true
        var status: Int32?
        var timedOut = false
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var killAt: ContinuousClock.Instant?
        var drainUntil: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65_536)

        while status == nil || outputOpen || errorsOpen {
            let now = clock.now
            if let drainUntil, now >= drainUntil { break }
            if status == nil, !timedOut, let deadline, now >= deadline {
                timedOut = true
                kill(-pid, SIGTERM)
                killAt = now + grace
            }
            if status == nil, let due = killAt, now >= due {
                kill(-pid, SIGKILL)
                killAt = nil
            }
            var wake: [ContinuousClock.Instant] = [drainUntil, killAt].compactMap { $0 }
            if status == nil, !timedOut, let deadline { wake.append(deadline) }
            var waitMilliseconds: Int32 = wake.min().map { Self.milliseconds(until: $0, from: now) } ?? -1
            if status == nil && exitDescriptor < 0 {
                waitMilliseconds = waitMilliseconds < 0 ? 20 : min(waitMilliseconds, 20)
            }

            var descriptors = [
                pollfd(fd: outputOpen ? output : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: errorsOpen ? errors : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: status == nil ? exitDescriptor : -1, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 3, waitMilliseconds)
            if ready < 0 && errno != EINTR { break }

            if descriptors[0].revents != 0 {
                outputOpen = Self.read(output, into: &stdout, using: &buffer)
            }
            if descriptors[1].revents != 0 {
                errorsOpen = Self.read(errors, into: &stderr, using: &buffer)
            }
            if status == nil, descriptors[2].revents != 0 || exitDescriptor < 0, let ended = reapIfExited() {
                status = ended
                // Whatever the command left behind still holds our pipes; it is dead now, so the pipes
                // reach end of file soon. Something that left the group with them is not waited for long.
                drainUntil = clock.now + .seconds(2)
            }
        }
        if status == nil {
            // poll failed: give up on the command rather than leave it running unsupervised.
            kill(-pid, SIGKILL)
            status = reapIfExited(blocking: true)
        }
        for descriptor in [output, errors, exitDescriptor] where descriptor >= 0 {
            close(descriptor)
        }
        return Outcome(status: status ?? 1, stdout: stdout.kept, stderr: stderr.kept, timedOut: timedOut)
    }

    /// If the command has exited: kills what it left in its group while its pid still reserves the group's
    /// id (it is not reaped yet), reaps it, and returns its status (128 + signal if a signal ended it).
    private func reapIfExited(blocking: Bool = false) -> Int32? {
        guard ChildExit.waitForExit(of: pid, blocking: blocking) else { return nil }
        kill(-pid, SIGKILL)
        isReaped.store(true, ordering: .releasing)
        let status = ChildExit.reap(pid)
        WorkerDeathWatchdog.shared.unregister(pid)
        return status
    }

    /// Reads what is there; returns false at end of file (or on an error that ends the stream).
    private static func read(_ descriptor: Int32, into output: inout OutputBuffer, using buffer: inout [UInt8]) -> Bool
    {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            output.append(buffer[0..<count])
            return true
        }
        return count < 0 && (errno == EINTR || errno == EAGAIN)
    }

    private static func milliseconds(until instant: ContinuousClock.Instant, from now: ContinuousClock.Instant) -> Int32
    {
        let left = instant - now
        guard left > .zero else { return 0 }
        let milliseconds = left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
        return Int32(clamping: milliseconds)
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe2(&ends, O_CLOEXEC) == 0 else {
            throw SystemError.last("pipe2")
        }
        return (ends[0], ends[1])
    }
}

/// A command's output, or only its last `limit` bytes.
struct OutputBuffer {
    let limit: Int?
    private(set) var bytes: [UInt8] = []

    init(limit: Int?) {
        self.limit = limit
    }

    /// What is kept: everything, or the last `limit` bytes.
    var kept: [UInt8] { limit.map { Array(bytes.suffix($0)) } ?? bytes }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        bytes.append(contentsOf: chunk)
        // Trimmed in batches, so a long output costs amortized constant time per byte.
        if let limit, bytes.count > 2 * limit {
            bytes.removeFirst(bytes.count - limit)
        }
    }
}
