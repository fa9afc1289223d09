/// Why the harness itself could not run (as opposed to a violation it found).
enum TortureError: Error, CustomStringConvertible {
    /// Bad command-line input; exits 64.
    case usage(String)
    /// A setup step failed (git, `shesha-pool init`, a folder); exits 1.
    case setup(String)

    var description: String {
        switch self {
        case .usage(let message), .setup(let message): return message
        }
    }
}
