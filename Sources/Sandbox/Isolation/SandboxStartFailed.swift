public import Foundation

/// A sandbox did not start or did not answer.
public struct SandboxStartFailed: Error, CustomStringConvertible, LocalizedError {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
