import Glibc

/// A child process started with posix_spawn; it inherits the environment, stdout and stderr.
final class ChildProcess {
    let pid: pid_t
    let label: String
    private(set) var exitStatus: Int32?

    init(executable: String, arguments: [String], label: String) throws {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, nil, nil, argv, environ)
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
