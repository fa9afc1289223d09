import SheshaSQLite

/// The busy strategies compared: the project's (the write gate and `BusyPolicy.default`) and SQLite's own
/// busy handler alone.
enum Strategy: String, CaseIterable, Codable {
    case project
    case sqliteDefault = "sqlite-default"

    var usesWriteGate: Bool { self == .project }

    /// SQLite's handler gets the project's timeout, so a run measures waiting, never giving up.
    var busyPolicy: BusyPolicy {
        switch self {
        case .project: .default
        case .sqliteDefault: .sqliteDefault(timeout: .seconds(30))
        }
    }
}
