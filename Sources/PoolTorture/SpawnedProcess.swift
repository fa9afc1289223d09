import Foundation
import Glibc

/// A child started with posix_spawn in a process group of its own, so one SIGKILL to the group takes
/// down the child and anything it started (git), as a crash of the whole tree would. Output goes to
/// files, so a chatty child never blocks on a pipe. Used from one thread only (the orchestrator's loop).
final class SpawnedProcess {
    let pid: pid_t
    let label: String
    let stdoutPath: String
    let stderrPath: String
    private(set) var exitStatus: Int32?

    init(executable: String, arguments: [String], label: String, stdoutPath: String, stderrPath: String) throws {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer {
            for argument in argv { free(argument) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        for (descriptor, path) in [(STDOUT_FILENO, stdoutPath), (STDERR_FILENO, stderrPath)] {
            posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard code == 0 else {
            throw TortureError.setup("cannot start \(executable): \(String(cString: strerror(code)))")
        }
        self.pid = pid
        self.label = label
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Whether the child has exited, without waiting (reaps it if so).
    func hasExited() -> Bool {
        reap(options: WNOHANG)
    }

    /// Waits for the child; returns its status (128 + signal number if a signal ended it).
    @discardableResult
    func wait() -> Int32 {
        while !reap(options: 0) {}
        return exitStatus ?? 1
    }

    /// SIGKILLs the child's whole process group and reaps the child. Returns the monotonic time just
    /// before the signal: the child was alive then and can do nothing after, so a tenure it left open
    /// ends no later than this.
    @discardableResult
    func killGroup() -> Int64 {
        let before = MonotonicClock.now()
        if exitStatus == nil {
            _ = Glibc.kill(-pid, SIGKILL)
            wait()
        }
        return before
    }

    var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func removeOutputFiles() {
        unlink(stdoutPath)
        unlink(stderrPath)
    }

    private func reap(options: Int32) -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, options)
        if result == 0 { return false }
        if result < 0 {
            if errno == EINTR { return false }
            // ECHILD: already reaped elsewhere; nothing more to learn.
            exitStatus = 255
            return true
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return true
    }
}

/// Runs a command to the end; returns its status and output. For setup and the checker's own commands.
func runToEnd(
    _ executable: String,
    _ arguments: [String],
    label: String,
    outputFolder: String
) throws -> (status: Int32, stdout: String, stderr: String) {
    let base = outputFolder + "/" + label + "-\(getpid())-\(MonotonicClock.now())"
    let child = try SpawnedProcess(
        executable: executable,
        arguments: arguments,
        label: label,
        stdoutPath: base + ".out",
        stderrPath: base + ".err"
    )
    let status = child.wait()
    let result = (status, child.standardOutput, child.standardError)
    child.removeOutputFiles()
    return result
}
