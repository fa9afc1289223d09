public import Glibc

/// Waiting for a child process in two steps, so that whoever may still signal it can be told first:
/// `waitForExit` returns once the child has ended but leaves it unreaped (a zombie), which keeps its pid,
/// and the id of the group it leads, from going to another process; `reap` then frees it. A signal sent
/// between the two reaches the dead child or its own group, never a stranger that took the pid.
public enum ChildExit {
    /// Whether `pid` has ended, leaving it unreaped; without `blocking`, answers at once.
    public static func waitForExit(of pid: pid_t, blocking: Bool = true) -> Bool {
        var info = siginfo_t()
        let flags = WEXITED | WNOWAIT | (blocking ? 0 : WNOHANG)
        while waitid(P_PID, id_t(pid), &info, flags) < 0 {
            // ECHILD: not our child, or reaped already; nothing is left to wait for.
            guard errno == EINTR else { return true }
        }
        // With WNOHANG and nothing to report, waitid leaves si_pid zero.
        return info._sifields._sigchld.si_pid == pid
    }

    /// Reaps `pid` (blocking until it ends) and returns its exit code: its status, or 128 + the signal
    /// that ended it, as a shell reports it; 1 if it could not be reaped.
    public static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return 1 }
        }
        return exitCode(ofWaitStatus: status)
    }

    /// The exit code a wait status stands for (WIFEXITED, WEXITSTATUS and WTERMSIG are macros Swift does
    /// not import).
    public static func exitCode(ofWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
