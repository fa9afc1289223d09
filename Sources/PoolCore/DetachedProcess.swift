import CLinux
import FoundationEssentials
import Glibc
import SheshaSystem

/// Starts a process that outlives its starter: in a session of its own (no terminal signal, nor a kill of
/// the starter's process group, reaches it), with stdin, stdout and stderr on /dev/null (so it holds no
/// pipe a caller waits to close) and no other descriptor of ours.
enum DetachedProcess {
    static func start(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        posix_spawn_file_actions_addchdir_np(&actions, "/")
        let attributes = SpawnAttributes(.newSession)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, arguments[0], &actions, &attributes.raw, &argv, environ)
        guard code == 0 else { throw SystemError(call: "posix_spawn", path: arguments[0], code: code) }
        // A starter that lives on reaps it, so no zombie is left per reset (a process that exits first
        // leaves that to init, as does one that cannot make the reaping thread).
        let child = pid
        try? startDetachedThread {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
    }
}
