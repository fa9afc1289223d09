import Foundation
import PoolTesting
@testable import Sandbox
import Testing

/// Container engine calls (podman run, rm...) are bounded: one that hangs is stopped, and the call fails.
@Suite("engine command time limit")
struct EngineCommandTimeoutTests {
    /// An "engine" that writes its pid to `pidfile`, then runs `body` (shell).
    func engine(in folder: URL, _ body: String) throws -> String {
        let path = folder.appending(path: "engine").path(percentEncoded: false)
        let script = "#!/bin/sh\necho $$ > '\(folder.path(percentEncoded: false))/pidfile'\n\(body)\n"
        try writeExecutableScript(script, to: path)
        return path
    }

    func isGone(_ pid: Int32) -> Bool {
        kill(pid, 0) != 0
    }

    func recordedPID(in folder: URL) throws -> Int32 {
        let text = try String(contentsOfFile: folder.path(percentEncoded: false) + "/pidfile", encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("a call that ends in time returns its output")
    func endsInTime() async throws {
        try await withTemporaryFolder { folder in
            let command = EngineCommand(engine: try engine(in: folder, "echo \"ran $*\"; echo oops >&2; exit 3"), globalFlags: ["--flag"])
            let result = try await command.run(["ps"], timeout: .seconds(300))
            #expect(result.status == 3)
            #expect(result.stdout == "ran --flag ps\n")
            #expect(result.stderr == "oops\n")
        }
    }

    @Test("a call that hangs is stopped at its limit and fails, naming the limit")
    func hangIsStopped() async throws {
        try await withTemporaryFolder { folder in
            let command = EngineCommand(engine: try engine(in: folder, "exec sleep 1000"), globalFlags: [])
            let error = await #expect(throws: EngineCommandFailed.self) {
                try await command.run(["run", "image"], timeout: .seconds(1))
            }
            #expect(error?.status == 124)
            #expect(error?.message.contains("did not end within 1.0 seconds") == true, "\(String(describing: error))")
            #expect(isGone(try recordedPID(in: folder)), "the engine process was reaped")
        }
    }

    @Test("a call that ignores SIGTERM is killed")
    func ignoredTermIsKilled() async throws {
        try await withTemporaryFolder { folder in
            let command = EngineCommand(
                engine: try engine(in: folder, "trap '' TERM\nwhile :; do sleep 1; done"),
                globalFlags: []
            )
            let error = await #expect(throws: EngineCommandFailed.self) {
                try await command.run(["rm", "-f", "x"], timeout: .seconds(1))
            }
            #expect(error?.status == 124)
            #expect(isGone(try recordedPID(in: folder)))
        }
    }
}
