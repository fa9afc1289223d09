/// Lets `--db` and `--pool` come before the command, as in `shesha-pool --db /var/lib/ci/pool.db cleanup`:
/// argument-parser reads a subcommand's options only after its name, so they are moved there.
public enum LeadingGlobalOptions {
    static let names = ["--db", "--pool"]
    /// Commands with kinds of their own (`init worktree`), whose options follow the kind.
    static let commandsWithKinds = ["init"]

    public static func moveAfterCommand(_ arguments: [String]) -> [String] {
        var rest = arguments[...]
        var moved: [String] = []
        while let first = rest.first {
            if names.contains(first), rest.count >= 2 {
                moved += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else if names.contains(where: { first.hasPrefix($0 + "=") }) {
                moved.append(first)
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        guard !moved.isEmpty, let command = rest.first, !command.hasPrefix("-") else { return arguments }
        var commandLength = 1
        if commandsWithKinds.contains(command), rest.count > 1, !rest[rest.startIndex + 1].hasPrefix("-") {
            commandLength = 2
        }
        return Array(rest.prefix(commandLength)) + moved + Array(rest.dropFirst(commandLength))
    }
}
