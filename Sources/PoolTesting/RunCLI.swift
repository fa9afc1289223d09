public import Foundation

/// What one run of the built `shesha-pool` printed and how it ended.
public struct CLIResult: Sendable, CustomStringConvertible {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs the built `shesha-pool` with `arguments`, as a user would, and returns exit status, stdout and
/// stderr separately. `environment` is added to (and overrides) the test's own.
public func runCLI(
    _ arguments: [String],
    environment: [String: String] = [:],
    currentDirectory: URL? = nil,
    timeout: Duration = .seconds(120)
) async throws -> CLIResult {
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let child = try ChildProcess(
        executable: try builtExecutable(named: "shesha-pool"),
        arguments: arguments,
        environment: environment,
        currentDirectory: currentDirectory,
        outputFolder: folder
    )
    let status = try await child.waitForExit(timeout: timeout)
    return CLIResult(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// Starts the built `shesha-pool` without waiting for it (to kill it, or to run many at once).
public func startCLI(
    _ arguments: [String],
    environment: [String: String] = [:],
    outputFolder: URL
) throws -> ChildProcess {
    try ChildProcess(
        executable: try builtExecutable(named: "shesha-pool"),
        arguments: arguments,
        environment: environment,
        outputFolder: outputFolder
    )
}
