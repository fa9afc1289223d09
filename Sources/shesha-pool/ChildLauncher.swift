import CLinux
import FoundationEssentials
import Dispatch
import Glibc
import SheshaCommandLine
import SheshaSystem

/// Runs a command for `shesha-pool run`: in the slot's folder, with the slot's environment, signals
/// forwarded, and bound to our life: if `run` dies, the kernel kills the command (a parent-death signal),
/// so a slot reclaimed from a killed `run` is never shared with its orphaned command.
///
/// posix_spawn cannot set a parent-death signal, so the child is first this same binary in trampoline
/// mode (`shesha-pool __exec-child PARENT-PID CMD...`), which sets it and then execs the command.
enum ChildLauncher {
    static let trampolineCommand = "__exec-child"
    static let forwardedSignals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    /// The trampoline: die with the parent, then become the command. Never returns.
    static func runTrampoline(_ arguments: [String]) -> Never {
        guard arguments.count >= 2, let parent = Int32(arguments[0]) else {
            Console.error("\(trampolineCommand) is internal to `shesha-pool run`")
            exit(64)
        }
        _ = clinux_set_parent_death_signal(SIGKILL)
        // The parent may have died before the line above took effect.
        guard getppid() == parent else { exit(1) }
        // posix_spawn gave us the signal mask of the thread that spawned us, a Swift concurrency thread that
        // blocks nearly every signal; exec keeps the mask, so unblock them all or the command could not be
        // interrupted or terminated (SIGINT, SIGTERM) and would not see SIGCHLD or SIGALRM.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, nil)
        let command = Array(arguments.dropFirst())
        var argv = command.map { strdup($0) } + [nil]
        execvp(command[0], &argv)
        let code: Int32 = errno == ENOENT ? 127 : 126
        Console.error("cannot run \(command[0]): \(SystemError.last("execvp", path: command[0]))")
        exit(code)
    }

    /// Starts `command` in `folder` with `environment` added; SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to
    /// `run` are forwarded to it until it ends.
    ///
    /// The kernel sends the parent-death signal when the *thread* that spawned the command ends, and Swift's
    /// and Dispatch's worker threads come and go: so a thread of our own spawns the command and stays,
    /// waiting for it, until it has ended.
    static func start(
        _ command: [String],
        in folder: String,
        environment: [String: String]
    ) async throws -> RunningCommand {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try startDetachedThread {
                    let child: RunningCommand
                    do {
                        child = try spawn(command, in: folder, environment: environment)
                    } catch {
                        continuation.resume(throwing: error)
                        return
                    }
                    continuation.resume(returning: child)
                    child.waitUntilEnded()
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Spawns the command from the calling thread, which must outlive it.
    private static func spawn(
        _ command: [String],
        in folder: String,
        environment: [String: String]
    ) throws -> RunningCommand {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let arguments = [executable, trampolineCommand, String(getpid())] + command
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addchdir_np(&actions, folder)

        // We ignore the forwarded signals (a handler forwards them); the command must not inherit that.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in forwardedSignals { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let sources = forwardedSignals.map { signalNumber in
            signal(signalNumber, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        }

        var pid: pid_t = 0
        var argv = arguments.map { strdup($0) } + [nil]
        var envp = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let spawnError = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard spawnError == 0 else {
            forwardedSignals.forEach { signal($0, SIG_DFL) }
            let cause = SystemError(call: "posix_spawn", path: executable, code: spawnError)
            throw CLIError.commandNotFound("\(command[0]) (\(cause))")
        }
        let child = RunningCommand(pid: pid)
        for (source, signalNumber) in zip(sources, forwardedSignals) {
            source.setEventHandler { child.send(signalNumber) }
            source.resume()
        }
        let forwarders = SignalForwarders(sources: sources)
        child.onExit {
            forwarders.sources.forEach { $0.cancel() }
            forwardedSignals.forEach { signal($0, SIG_DFL) }
        }
        return child
    }
}

/// The signal sources that forward to `run`'s command, cancelled once it has ended.
/// Safe to share: they are only cancelled, and `DispatchSource.cancel()` may be called from any thread.
private struct SignalForwarders: @unchecked Sendable {
    let sources: [any DispatchSourceSignal]
}
