/// What the worktree workloads measured in one place (tmpfs or disk). Times in microseconds, one value
/// per repetition; ratios pair the two sides of each repetition.
struct WorktreeSiteResult: Codable {
    var site: String
    var folder: String
    var fileSystem: String
    var files: Int
    var slots: Int
    var repetitions: Int
    var repositorySeconds: Double
    var expandSeconds: Double

    var coldAddRemoveMicroseconds: Spread
    var warmAcquireReleaseMicroseconds: Spread
    /// Cold add+remove over warm acquire+release.
    var coldOverWarmCycle: Spread

    var coldAddMicroseconds: Spread
    var coldRemoveMicroseconds: Spread
    var warmAcquireMicroseconds: Spread
    var warmReleaseMicroseconds: Spread
    /// From the start of `release` until the ledger shows the slot idle (polled every millisecond).
    var releaseUntilIdleMicroseconds: Spread
    /// Cold add over warm CLI acquire (target ≥ 50).
    var coldAddOverWarmAcquire: Spread

    var libraryAcquireReleaseMicroseconds: Spread
    var libraryAcquireMicroseconds: Spread
    var libraryReleaseMicroseconds: Spread

    /// `shesha-pool release` after `TypicalChange` (the reset undoes it).
    var releaseAfterChangeMicroseconds: Spread
    /// From the start of that release until the background resetter has made the slot idle again.
    var idleAfterReleaseMicroseconds: Spread

    var concurrentAcquires: Int
    var acquireAloneMicroseconds: Spread
    var concurrentAcquiresMicroseconds: Spread
    /// All at once over one alone (target ≤ 1.5 × concurrent ÷ cores).
    var concurrentOverAlone: Spread
}
