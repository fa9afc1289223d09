import CLinux
import Foundation
import SheshaCommandLine

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
        Console.error("cannot run \(command[0]): \(String(cString: strerror(errno)))")
        exit(code)
    }

    /// Runs `command` to completion and returns its exit status (128 + signal if a signal ended it).
    static func run(_ command: [String], in folder: String, environment: [String: String]) throws -> Int32 {
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
            throw CLIError.commandNotFound("\(command[0]) (\(String(cString: strerror(spawnError))))")
        }
        let child = pid
        for (source, signalNumber) in zip(sources, forwardedSignals) {
            source.setEventHandler { kill(child, signalNumber) }
            source.resume()
        }
        defer {
            sources.forEach { $0.cancel() }
            forwardedSignals.forEach { signal($0, SIG_DFL) }
        }

        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            guard errno == EINTR else { return 1 }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        let signalNumber = status & 0x7F
        return signalNumber == 0 ? (status >> 8) & 0xFF : 128 + signalNumber
    }
}
