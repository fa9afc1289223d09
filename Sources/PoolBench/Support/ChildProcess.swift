import Glibc
import PoolCore
import Worktrees

/// A child process started with posix_spawn. It inherits the environment; stdout and stderr are inherited
/// or go to files.
final class ChildProcess {
    enum Output {
        case inherit
        /// Created or truncated.
        case file(String)
    }

    let pid: pid_t
    let label: String
    private(set) var exitStatus: Int32?

    init(
        executable: String, arguments: [String], label: String, stdout: Output = .inherit, stderr: Output = .inherit
    ) throws {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (descriptor, output) in [(STDOUT_FILENO, stdout), (STDERR_FILENO, stderr)] {
            if case .file(let path) = output {
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else {
            throw BenchError("cannot start \(executable): \(String(cString: strerror(code)))")
        }
        self.pid = pid
        self.label = label
    }

    /// Whether the child has exited, without waiting.
    func hasExited() throws -> Bool {
        try reap(options: WNOHANG)
    }

    /// Waits for the child to exit; returns its status (128 + signal number if a signal killed it).
    @discardableResult
    func wait() throws -> Int32 {
        while try !reap(options: 0) {}
        return exitStatus ?? 1
    }

    func kill() {
        if exitStatus == nil {
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    private func reap(options: Int32) throws -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, options)
        if result == 0 { return false }
        if result < 0 {
            if errno == EINTR { return false }
            throw BenchError("waitpid for \(label) failed: \(String(cString: strerror(errno)))")
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return true
    }
}

/// This executable's path, for spawning it as a worker.
func currentExecutablePath() throws -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else {
        throw BenchError("cannot read /proc/self/exe: \(String(cString: strerror(errno)))")
    }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The first executable called `name` on PATH (found as the project's own command runner finds it).
func findOnPath(_ name: String) throws -> String {
    guard let path = CommandRunner.find(name) else { throw BenchError("\(name) is not on PATH") }
    return path
}
