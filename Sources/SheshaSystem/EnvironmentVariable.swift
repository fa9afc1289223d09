import Glibc

/// The value of one environment variable, or nil if it is not set. Reads just that variable: Foundation's
/// `ProcessInfo.environment` copies every variable into a new dictionary at each call, about 0.1 ms, which
/// every command paid several times before it opened the database.
public func environmentVariable(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
