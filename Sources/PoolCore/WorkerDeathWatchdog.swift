import CLinux
import Glibc
import Synchronization

/// Kills this process's running commands when this process dies, however it dies (SIGKILL included).
///
/// A parent-death signal is not enough: it fires when the spawning *thread* exits (Swift's pools come
/// and go) and reaches only the direct child, not the `sh -c` grandchildren of a setup command. So each
/// process that runs commands starts one small `/bin/sh` in a session of its own, which reads a socket
/// whose other end only this process holds (close-on-exec, so no child inherits it). A spawn is announced
/// (`?`) before it starts, and its process group registered (`+ PGID`) once it has, or the announcement
/// withdrawn (`!`) if it failed; the group is unregistered (`- PGID`) once it has been reaped. End of file
/// means this process is gone: if anything is registered or announced, the watchdog sends SIGTERM to every
/// registered group and to every process carrying this process's `SHESHA_POOL_WORKER` tag (which catches a
/// command started in the instant before its registration, and descendants that left its group), waits a
/// grace period, then sends SIGKILL the same way. One watchdog serves all of a process's commands, so a
/// command costs three short writes, not a second spawn.
final class WorkerDeathWatchdog: Sendable {
    static let shared = WorkerDeathWatchdog()

    /// How long the watchdog waits between SIGTERM and SIGKILL.
    static let grace = 5

    /// The environment variable every command of this process carries: `<pid>:<start time>`.
    static let workerVariable = "SHESHA_POOL_WORKER"
    static let workerTag = "\(ProcessIdentity.current.pid):\(ProcessIdentity.current.startTime)"

    /// The script (`$1` the grace in seconds, `$2` the worker tag): keep the set of live groups and the
    /// number of spawns in flight; at end of file, stop them. Signals from a terminal or a process-group
    /// kill aimed at the worker must not stop the watchdog first.
    static let script = """
        trap '' HUP INT TERM QUIT PIPE
        grace=$1 tag=$2 groups= pending=0
        while read -r sign group; do
            case $sign in
            '?') pending=$((pending + 1)) ;;
            '!') pending=$((pending - 1)) ;;
            +) pending=$((pending - 1)); groups="$groups $group" ;;
            -) kept=; for g in $groups; do [ "$g" = "$group" ] || kept="$kept $g"; done; groups=$kept ;;
            esac
        done
        [ -n "$groups" ] || [ "$pending" -gt 0 ] || exit 0
        stop() {
            for g in $groups; do kill -s "$1" -- "-$g" 2>/dev/null; done
            for f in $(grep -lzxF -e "\(workerVariable)=$tag" /proc/[0-9]*/environ 2>/dev/null); do
                p=${f#/proc/}; kill -s "$1" "${p%/environ}" 2>/dev/null
            done
        }
        stop TERM
        sleep "$grace"
        stop KILL
        """

    /// This process's end of the socket, once the watchdog runs; nil before, or if it could not start.
    private let socket = Mutex<Int32?>(nil)

    /// Announces a spawn about to start; starts the watchdog on first use.
    func spawning() {
        send("?\n")
    }

    /// Withdraws the announcement of a spawn that failed.
    func spawnFailed() {
        send("!\n")
    }

    /// Records the process group of a command that started.
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
        let attributes = SpawnAttributes(.newSession)

        let arguments = ["/bin/sh", "-c", script, "shesha-pool-watchdog", String(grace), workerTag]
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
