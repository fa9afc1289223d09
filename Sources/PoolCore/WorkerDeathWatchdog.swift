import CLinux
import Glibc
import Synchronization

/// Kills this process's running commands when this process dies, however it dies (SIGKILL included).
///
/// A parent-death signal is not enough: it fires when the spawning *thread* exits (Swift's pools come
/// and go) and reaches only the direct child, not the `sh -c` grandchildren of a setup command. So each
/// process that runs commands starts one small `/bin/sh` in a session of its own, which reads a socket
/// whose other end only this process holds (close-on-exec, so no child inherits it). Every command's
/// process group is registered (`+ PGID`) when it starts and unregistered (`- PGID`) once it has been
/// reaped. End of file means this process is gone: the watchdog sends SIGTERM to every group still
/// registered, waits a grace period, then sends SIGKILL. One watchdog serves all of a process's commands,
/// so a command costs two short writes, not a second spawn.
///
/// A command that starts and whose registration is not yet written when this process is killed (a
/// window of one system call) escapes; `doctor` still finds it by its `SHESHA_POOL_WORK` tag.
final class WorkerDeathWatchdog: Sendable {
    static let shared = WorkerDeathWatchdog()

    /// How long the watchdog waits between SIGTERM and SIGKILL.
    static let grace = 5

    /// The script: keep the set of live groups; at end of file, stop them. Signals from a terminal or a
    /// process-group kill aimed at the worker must not stop the watchdog first.
    static let script = """
        trap '' HUP INT TERM QUIT PIPE
        groups=
        while read -r sign group; do
            case $sign in
            +) groups="$groups $group" ;;
            -) kept=; for g in $groups; do [ "$g" = "$group" ] || kept="$kept $g"; done; groups=$kept ;;
            esac
        done
        [ -n "$groups" ] || exit 0
        for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
        sleep "$1"
        for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
        """

    /// This process's end of the socket, once the watchdog runs; nil before, or if it could not start.
    private let socket = Mutex<Int32?>(nil)

    /// Records a command's process group; starts the watchdog on first use.
    func register(_ processGroup: pid_t) {
        send("+ \(processGroup)\n")
    }

    /// Forgets a command's process group (it has been reaped and its stragglers killed).
    func unregister(_ processGroup: pid_t) {
        send("- \(processGroup)\n")
    }

    private func send(_ line: String) {
        socket.withLock { descriptor in
            if descriptor == nil {
                descriptor = Self.start()
            }
            guard let fd = descriptor else { return }
            let sent = line.utf8CString.withUnsafeBufferPointer { buffer in
                // One short write is atomic on a stream socket this small; MSG_NOSIGNAL keeps a dead watchdog
                // from raising SIGPIPE here.
                Glibc.send(fd, buffer.baseAddress, buffer.count - 1, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EPIPE {
                // The watchdog was killed by hand: start another for the commands to come.
                close(fd)
                descriptor = Self.start()
            }
        }
    }

    /// Spawns the watchdog and returns our end of its socket, or nil if it cannot start (then commands
    /// still run, bounded by their timeouts, but would not die with us).
    private static func start() -> Int32? {
        var ends: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            return nil
        }
        let ours = ends[0]
        let theirs = ends[1]
        defer { close(theirs) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, theirs, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        posix_spawn_file_actions_addchdir_np(&actions, "/")
        let attributes = CleanSpawnAttributes(newSession: true)

        let arguments = ["/bin/sh", "-c", script, "shesha-pool-watchdog", String(grace)]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, &attributes.raw, &argv, environ) == 0 else {
            close(ours)
            return nil
        }
        return ours
    }
}
