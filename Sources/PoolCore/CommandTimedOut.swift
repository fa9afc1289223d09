public import FoundationEssentials
import Glibc
import SheshaSystem

/// A command ran past its time limit and was stopped (its process group got SIGTERM, then SIGKILL).
public struct CommandTimedOut: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The program and its arguments.
    public var command: [String]
    public var timeout: Duration
    /// The last of what it printed (standard output and error), for the error message.
    public var lastOutput: String

    public init(command: [String], timeout: Duration, lastOutput: String) {
        self.command = command
        self.timeout = timeout
        self.lastOutput = lastOutput
    }

    public var description: String {
        let said = lastOutput.trimmingWhitespace()
        return "`\(command.joined(separator: " "))` did not finish within \(Self.format(timeout)) and was stopped"
            + (said.isEmpty ? "" : "; its last output:\n\(said.suffix(2_000))")
    }

    public var errorDescription: String? { description }

    /// `90s`, `10m`, `250ms`: the way durations are typed on the command line.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        where milliseconds >= size && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}
