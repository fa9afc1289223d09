public import FoundationEssentials

/// Why a database cannot be brought to this build's schema. None of these changes the file.
public enum MigrationError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The database records a schema version this build does not know.
    case newerSchema(path: String, found: Int, known: Int)
    /// The file is a SQLite database, but of another program (it has tables and no migration record).
    case foreignDatabase(path: String)
    /// A migration file is not named `NNNN_name.sql`, or two files share a version.
    case badFileName(String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let found, let known):
            return "\(path) was created by a newer shesha-pool (schema version \(found); this build knows up to "
                + "\(known)); upgrade shesha-pool or use another --db"
        case .foreignDatabase(let path):
            return "\(path) is a SQLite database of another program, not a shesha-pool database; "
                + "use another --db path"
        case .badFileName(let name):
            return "migration file '\(name)' must be named NNNN_name.sql with a unique version number"
        }
    }

    public var errorDescription: String? { description }
}
