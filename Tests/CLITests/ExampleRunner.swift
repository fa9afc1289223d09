import Foundation
import PoolTesting

/// Runs the integration recipes in `examples/` for real: bash scripts with the built `shesha-pool` first on
/// PATH and the fixture's database and pool in SHESHA_POOL_DB and SHESHA_POOL, as a user's setup would have.
enum ExampleRunner {
    /// The repository's `examples/` folder.
    static let examples = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "examples", directoryHint: .isDirectory)

    static func path(_ relative: String) -> String {
        examples.appending(path: relative).path(percentEncoded: false)
    }

    static func environment(_ fixture: CLIFixture, _ extra: [String: String] = [:]) throws -> [String: String] {
        let binaries = try builtExecutable(named: "shesha-pool").deletingLastPathComponent().path(percentEncoded: false)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return [
            "PATH": binaries + ":" + path, "SHESHA_POOL_DB": fixture.databasePath, "SHESHA_POOL": "default",
            "EXAMPLES": examples.path(percentEncoded: false), "WORK": fixture.folder.path(percentEncoded: false),
        ].merging(extra) { $1 }
    }

    /// Runs `script` with bash (-e, -u, pipefail) and waits for it.
    static func bash(
        _ script: String,
        _ fixture: CLIFixture,
        environment extra: [String: String] = [:],
        timeout: Duration = .seconds(300)
    ) async throws -> CLIOutput {
        let child = try ChildProcess(
            executable: URL(filePath: "/bin/bash"),
            arguments: ["-c", "set -euo pipefail\n" + script],
            environment: try environment(fixture, extra),
            currentDirectory: fixture.folder,
            outputFolder: fixture.folder
        )
        let status = try await child.waitForExit(timeout: timeout)
        return CLIOutput(status: status, stdout: child.stdout, stderr: child.stderr)
    }
}
