import Foundation
import PoolTesting
import Testing

/// `shesha-pool query` runs `shesha-pool-query` from the same folder.
@Suite("query hand-over")
struct QueryHandOverTests {
    @Test("without shesha-pool-query beside it, query exits 69 saying how to build it")
    func missingHelper() async throws {
        try await withTemporaryFolder { folder in
            let alone = folder.appending(path: "shesha-pool").path(percentEncoded: false)
            try FileManager.default.copyItem(atPath: try builtExecutable(named: "shesha-pool").path, toPath: alone)
            let child = try ChildProcess(executable: URL(filePath: alone), arguments: ["query", "--doc", "x", "q"], outputFolder: folder)
            let status = try await child.waitForExit()
            #expect(status == 69)
            #expect(child.stderr.contains("--product shesha-pool-query"), "\(child.stderr)")
            #expect(child.stdout.isEmpty)
        }
    }
}
