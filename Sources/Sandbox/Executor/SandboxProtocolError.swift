public import Foundation
import SheshaSystem

/// Why the host stopped talking to a sandbox's runner. Every case but `cannotConnect` and `leaseEnded`
/// leaves the `ContainerExecutor` unusable: its sandbox can no longer be trusted to be in step, so it is
/// destroyed, never pooled.
public enum SandboxProtocolError: Error, Hashable, Sendable, Codable {
    /// Nothing accepted a connection at the socket (no runner listens yet, or it is gone). A later call
    /// may try again.
    case cannotConnect(socket: String, reason: String)
    /// A line longer than `limit` bytes, not counting its newline.
    case lineTooLong(limit: Int)
    /// More than `limit` bytes arrived without a newline.
    case bufferOverflow(limit: Int)
    case invalidUTF8
    case invalidJSON(String)
    /// A message without a "type", or with a field missing or of the wrong type.
    case malformedMessage(String)
    /// A message that does not fit the moment, such as a "pong" in answer to "execute".
    case unexpectedMessage(type: String, expected: String)
    /// The runner answered the host's request with an error: the two disagree on the protocol.
    case requestRejected(String)
    /// The runner refused the request because its lease token is older than one it has seen (fencing):
    /// the lease has ended and the sandbox belongs to a later holder. Nothing ran. Not the sandbox's
    /// fault: it must not be discarded, and the executor only stops acting for the old lease.
    case leaseEnded(String)
    /// The runner closed the connection, or died.
    case endOfStream
    /// No complete answer to `operation` within `after`.
    case timedOut(operation: String, after: Duration)
    /// A socket call failed with `errno`.
    case socketFailure(operation: String, errno: Int32)

    /// Whether the executor stays usable after this error.
    var isRetryable: Bool {
        if case .cannotConnect = self { return true }
        return false
    }
}

extension SandboxProtocolError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .cannotConnect(let socket, let reason):
            return "cannot connect to the sandbox's runner at \(socket): \(reason)"
        case .lineTooLong(let limit):
            return "the sandbox's runner sent a line over the \(limit)-byte limit for one message"
        case .bufferOverflow(let limit):
            return "the sandbox's runner sent over \(limit) bytes without a newline (the buffer limit)"
        case .invalidUTF8:
            return "the sandbox's runner sent a line that is not valid UTF-8"
        case .invalidJSON(let detail):
            return "the sandbox's runner sent a line that is not JSON: \(detail)"
        case .malformedMessage(let detail):
            return "the sandbox's runner sent a malformed message: \(detail)"
        case .unexpectedMessage(let type, let expected):
            return "the sandbox's runner sent a \"\(type)\" message where the host expected \(expected)"
        case .requestRejected(let message):
            return "the sandbox's runner rejected the host's request: \(message)"
        case .leaseEnded(let message):
            return "the lease has ended and its sandbox belongs to another holder now; nothing ran "
                + "(the sandbox's runner refused: \(message)); acquire a new lease"
        case .endOfStream:
            return "the sandbox's runner closed the connection"
        case .timedOut(let operation, let after):
            return "the sandbox's runner did not finish \(operation) within \(after)"
        case .socketFailure(let operation, let errno):
            return "the sandbox's socket: \(SystemError(call: operation, code: errno))"
        }
    }

    public var errorDescription: String? { description }
}
