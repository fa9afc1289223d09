import SheshaSQLite

/// The busy strategies compared: the project's backoff and SQLite's own busy handler.
enum Strategy: String, CaseIterable, Codable {
    case backoff
    case sqliteDefault = "sqlite-default"

    /// Both get the same generous timeout, so a run measures waiting, never giving up.
    var busyPolicy: BusyPolicy {
        switch self {
        case .backoff: .backoff(timeout: .seconds(30))
        case .sqliteDefault: .sqliteDefault(timeout: .seconds(30))
        }
    }
}
