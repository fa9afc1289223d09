import FoundationEssentials
import PoolCore
import SheshaSystem

/// The gitignore-style patterns (`init worktree --copy`) that pick which ignored files of the repository's
/// main working tree are copied into new slots. `.worktreeinclude` at the repository's root adds its own.
public enum CopyPatterns {
    /// The file at the repository's root whose patterns are added to the pool's.
    public static let includeFile = ".worktreeinclude"

    /// Throws `invalidArgument` for a pattern that git would read as something else, or that reaches out
    /// of the repository: empty, a comment, a lone `!`, several lines, or a `..` component.
    public static func validate(_ patterns: [String]) throws {
        for pattern in patterns {
            let problem: String?
            let body = pattern.hasPrefix("!") ? String(pattern.dropFirst()) : pattern
            if pattern.trimmingWhitespace().isEmpty || body.isEmpty {
                problem = "is empty"
            } else if pattern.hasPrefix("#") {
                problem = "starts with # and would be read as a comment (write \\# for a name that starts with #)"
            } else if pattern.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
                problem = "has a line break in it"
            } else if body.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                problem = "leaves the repository (..); patterns are relative to the repository's root"
            } else {
                problem = nil
            }
            if let problem {
                // On one line, whatever the pattern holds.
                let shown = pattern.replacing("\n", with: "\\n").replacing("\r", with: "\\r")
                throw PoolError.invalidArgument(
                    "the copy pattern '\(shown)' \(problem); pass gitignore-style patterns such as "
                        + "--copy .env --copy 'node_modules/'"
                )
            }
        }
    }
}
