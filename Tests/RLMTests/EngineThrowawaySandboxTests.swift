import Foundation
import PoolTesting
import RLM
import Sandbox
import Testing

/// Without a pool, each query starts its own sandbox and stops it.
@Suite struct EngineThrowawaySandboxTests {
    @Test("without a pool, one query starts one sandbox and stops it")
    func startsAndStopsOne() async throws {
        try await withTemporaryFolder { folder in
            let parent = folder.path(percentEncoded: false)
            let isolation = CountingIsolation()
            try await withScriptedServer([codeReply("import os\nFINAL(os.getcwd())")]) { server in
                let result = try await engine(server) {
                    $0.sandboxIsolation = isolation
                    $0.sandboxParentFolder = parent
                }.query(documents: ["d"], question: "Where does code run?")
                #expect(result.answer == "/box", "the code ran inside the bubblewrap sandbox")
            }
            #expect(isolation.started.count == 1)
            #expect(isolation.stopped == isolation.started)
            for record in isolation.started {
                #expect(await !isolation.isRunning(record))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty, "its folder is removed")
        }
    }

    @Test("without a pool, the sandbox is stopped when the LLM fails too")
    func stopsOnFailure() async throws {
        try await withTemporaryFolder { folder in
            let parent = folder.path(percentEncoded: false)
            let isolation = CountingIsolation()
            let server = try ScriptedLLMServer { _, _ in .status(429, body: "slow down", retryAfter: "0") }
            defer { server.stop() }
            await #expect(throws: LLMError.self) {
                try await engine(server) {
                    $0.sandboxIsolation = isolation
                    $0.sandboxParentFolder = parent
                }.query(documents: ["d"], question: "q")
            }
            #expect(isolation.started.count == 1)
            #expect(isolation.stopped == isolation.started)
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
        }
    }
}
