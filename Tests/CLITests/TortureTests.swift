import Foundation
import PoolTesting
import Testing

/// A short run of the torture harness (Sources/PoolTorture): holders, maintenance commands and a killer
/// on one pool of real worktrees, then its independent checker. The seed is fixed, so a failure replays
/// with `scripts/torture.sh --seconds 30 --holders 8 --seed 20261201`.
@Suite("torture")
struct TortureTests {
    static let seed = "20261201"

    @Test("holders, maintenance and kills (8 cycles, 2 holder kills, 30 s at least) leave no violation, and a forged overlap is caught")
    func shortTorture() async throws {
        try await withTemporaryFolder { folder in
            let work = folder.appending(path: "work").path(percentEncoded: false)
            let torture = try builtExecutable(named: "pool-torture")
            let sheshaPool = try builtExecutable(named: "shesha-pool").path(percentEncoded: false)
            let run = try ChildProcess(
                executable: torture,
                arguments: [
                    "run", "--work", work, "--shesha-pool", sheshaPool, "--seed", Self.seed, "--seconds", "30",
                    // On a slow machine the run goes on until it has done this much (within 400 s).
                    "--until-holder-kills", "2", "--until-cycles", "8", "--max-seconds", "400",
                    "--holders", "8", "--kill-every-ms", "1000",
                ],
                outputFolder: folder
            )
            let status = try await run.waitForExit(timeout: .seconds(600))
            let result = try #require(Self.result(of: run.stdout), "no RESULT line: \(run.stdout)\n\(run.stderr)")
            #expect(status == 0, "the checker found violations (seed \(Self.seed)):\n\(run.stdout)\n\(run.stderr)")
            #expect(result["violations"] == 0, "\(run.stdout)")
            #expect((result["cycles"] ?? 0) >= 8, "fewer holder cycles than asked for: \(run.stdout)")
            #expect((result["holder-kills"] ?? 0) >= 2, "the killer hit fewer holders than asked for: \(run.stdout)")

            // The checker must be able to fail: a forged tenure inside a real one overlaps it.
            // Any holder's first tenure will do (under load one holder may have been killed before its first).
            let logs = try FileManager.default.contentsOfDirectory(atPath: work + "/logs").filter { $0.hasSuffix(".log") }.sorted()
            let firstBegins = logs.compactMap { name -> Substring? in
                let text = (try? String(contentsOfFile: work + "/logs/" + name, encoding: .utf8)) ?? ""
                return text.split(separator: "\n").first { $0.hasPrefix("BEGIN ") }
            }
            let begin = try #require(firstBegins.first, "no holder began a tenure")
            let words = begin.split(separator: " ")
            let path = String(words[1])
            let start = try #require(Int64(words[3]))
            try Data("BEGIN \(path) 999999999 \(start + 1)\nEND \(path) 999999999 \(start + 2)\n".utf8)
                .write(to: URL(filePath: work + "/logs/holder-9999.log"))
            let check = try ChildProcess(
                executable: torture,
                arguments: ["check", "--work", work, "--shesha-pool", sheshaPool],
                outputFolder: folder
            )
            #expect(try await check.waitForExit(timeout: .seconds(300)) == 1, "\(check.stdout)\n\(check.stderr)")
            #expect(check.stdout.contains("VIOLATION tenures overlap in \(path)"), "\(check.stdout)")
            #expect(check.stdout.contains("token 999999999) has no acquire event"), "\(check.stdout)")
        }
    }

    /// The counts of the report's last line, `RESULT cycles=… kills=… violations=…`.
    static func result(of output: String) -> [String: Int]? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }) else { return nil }
        var counts: [String: Int] = [:]
        for pair in line.dropFirst("RESULT ".count).split(separator: " ") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { counts[String(parts[0])] = value }
        }
        return counts
    }
}
