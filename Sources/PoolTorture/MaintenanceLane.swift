/// One lane of maintenance: runs one real `shesha-pool` command at a time, chosen at random, with a
/// short random pause between commands. The killer may SIGKILL the command mid-way.
struct MaintenanceLane {
    /// The commands, as a user or cron would run them. `cleanup --idle-for 2s` retires idle slots while
    /// holders are acquiring them.
    static let commands: [[String]] = [
        ["expand", "1"], ["shrink", "1"], ["cleanup"], ["cleanup", "--idle-for", "2s"], ["doctor", "--fix"],
    ]

    var running: SpawnedProcess?
    var number = 0
    var nextStart: Int64 = 0
}
