/// Where the reset of a released slot runs. Off the caller's path, release returns as soon as the slot
/// is dirty; the resetter then claims it (dirty -> resetting, recorded as its worker with a work deadline),
/// resets it and makes it idle, or broken with the error for `status` and `doctor`. An acquirer that
/// finds no idle slot may claim the dirty slot first and reset it itself: one claim wins, the other
/// resetter finds nothing to do. A resetter that dies is recovered like any worker (the slot is dirty
/// again for the next acquirer, `cleanup` or `doctor --fix`).
public enum ReleaseReset: Hashable, Sendable {
    /// In the release call: it returns once the slot is idle again (or broken). The library's default, so
    /// a caller gets the slot back clean before it goes on or exits.
    case beforeReturning
    /// In a process of its own, in a session of its own so it outlives the releaser and no terminal signal
    /// reaches it: `executable __reset-slot --db DATABASE --pool POOL SLOT-ID`, the `shesha-pool` CLI's
    /// hidden resetter. What `release` and `run` use.
    case detachedProcess(executable: String, database: String)
    /// In a detached task of this process: for a long-lived process that keeps running. The reset dies
    /// with the process; the slot is then recovered as above.
    case detachedTask
}
