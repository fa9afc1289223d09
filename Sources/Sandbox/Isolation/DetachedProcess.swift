import CLinux
import FoundationEssentials
import Glibc
import PoolCore
import SheshaSystem

/// Starts a program that outlives the caller: in a session of its own (so no terminal signal reaches it and
/// its process group can be killed as one), with stdin from /dev/null and its output appended to a log file.
enum DetachedProcess {
    /// A file the program finds open at a given descriptor, opened with the caller's rights before the
    /// program starts (so it can be a folder the program itself could not reach).
    struct OpenFile {
        var descriptor: Int32
        var path: String
        var flags: Int32
    }

    /// Starts `arguments` in `folder` and returns its pid. A thread reaps the program if it ends while we run.
    static func start(
        _ arguments: [String],
        in folder: String,
        environment: [String: String],
        log: String,
        openFiles: [OpenFile] = []
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Nothing of ours may stay open in a sandbox that outlives us: a parent waiting for our pipes or
        // descriptors to close (as a test harness or a shell's $(...) does) would wait for the sandbox.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        posix_spawn_file_actions_addchdir_np(&actions, folder)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for file in openFiles {
            posix_spawn_file_actions_addopen(&actions, file.descriptor, file.path, file.flags, 0o600)
        }

        let attributes = SpawnAttributes(.newSession)

        var argv = arguments.map { strdup($0) } + [nil]
        var envp = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let failure = posix_spawn(&pid, arguments[0], &actions, &attributes.raw, &argv, &envp)
        guard failure == 0 else {
            let cause = SystemError(call: "posix_spawn", path: arguments[0], code: failure)
            throw SandboxStartFailed(message: "cannot start the sandbox: \(cause)")
        }
        let child = pid
        // Without a reaper, a sandbox that ends while this process runs stays a zombie, and its pid looks taken;
        // if no thread can be made for it, that is the lesser harm than failing a sandbox that runs.
        try? startDetachedThread(stackSize: 64 * 1024) {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
        return child
    }
}
