import Foundation
import PoolTesting
import Testing

/// A short run of the torture harness on a container pool (`--kind container`): holders leasing bwrap
/// sandboxes and checking each starts clean, maintenance commands and a killer, then the checker, which
/// also compares the database's slots with the sandboxes running; the run stops every sandbox at the end.
/// The seed is fixed, so a failure replays with
/// `scripts/torture.sh --kind container --seconds 25 --holders 6 --seed 20261202`.
@Suite("container torture")
struct ContainerTortureTests {
    static let seed = "20261202"

    @Test(
        "25 s of holders, maintenance and kills on sandboxes leave no violation nor sandbox; forged faults are caught",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap"), "needs bubblewrap")
    )
    func shortContainerTorture() async throws {
        try await withTemporaryFolder { folder in
            let work = folder.appending(path: "work").path(percentEncoded: false)
            let slots = work + "/slots"
            let torture = try builtExecutable(named: "pool-torture")
            let sheshaPool = try builtExecutable(named: "shesha-pool").path(percentEncoded: false)
            let run = try ChildProcess(
                executable: torture,
                arguments: [
                    "run", "--kind", "container", "--work", work, "--shesha-pool", sheshaPool, "--seed", Self.seed,
                    "--seconds", "25", "--holders", "6", "--kill-every-ms", "1000",
                    // On a slow machine the run goes on until it has done this much (within 400 s).
                    "--until-holder-kills", "2", "--until-cycles", "8", "--max-seconds", "400",
                ],
                outputFolder: folder
            )
            let status = try await run.waitForExit(timeout: .seconds(600))
            let result = try #require(
                TortureTests.result(of: run.stdout), "no RESULT line: \(run.stdout)\n\(run.stderr)"
            )
            #expect(status == 0, "the checker found violations (seed \(Self.seed)):\n\(run.stdout)\n\(run.stderr)")
            #expect(result["violations"] == 0, "\(run.stdout)")
            #expect((result["cycles"] ?? 0) >= 8, "fewer holder cycles than asked for: \(run.stdout)")
            #expect((result["holder-kills"] ?? 0) >= 2, "the killer hit fewer holders than asked for: \(run.stdout)")
            #expect(run.stdout.contains(", none left running"), "\(run.stdout)")
            #expect(Self.processes(naming: slots + "/").isEmpty, "the run left sandboxes running")

            // The checker must be able to fail: a process running in a folder of the pool that is no slot
            // (which the pool's own cleanup does not recognise), and a tenure that found an earlier one's name.
            let leaked = slots + "/torture-leaked"
            let sandbox = try ChildProcess(
                executable: URL(filePath: "/usr/bin/python3"),
                arguments: ["-c", "import time; time.sleep(600)", leaked + "/box"],
                outputFolder: folder
            )
            defer { sandbox.kill(signal: SIGKILL) }
            while !Self.processes(naming: leaked).contains(sandbox.pid) {
                try #require(sandbox.isRunning, "python3 did not start: \(sandbox.stderr)")
                try await Task.sleep(for: .milliseconds(5))
            }
            // Any holder's first tenure will do (under load one holder may have been killed before its first).
            let logs = try FileManager.default.contentsOfDirectory(atPath: work + "/logs").filter { $0.hasSuffix(".log") }
            let begun = logs.sorted().compactMap { name -> (String, Substring)? in
                let path = work + "/logs/" + name
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                return text.split(separator: "\n").first { $0.hasPrefix("BEGIN ") }.map { (path, $0) }
            }
            let (log, begin) = try #require(begun.first, "no holder began a tenure")
            let words = begin.split(separator: " ")
            let handle = try #require(FileHandle(forWritingAtPath: log))
            handle.seekToEndOfFile()
            handle.write(Data("UNCLEAN \(words[1]) \(words[2]) \(words[3]) namespace:torture_mark\n".utf8))
            try handle.close()
            let check = try ChildProcess(
                executable: torture,
                arguments: ["check", "--work", work, "--shesha-pool", sheshaPool],
                outputFolder: folder
            )
            #expect(try await check.waitForExit(timeout: .seconds(300)) == 1, "\(check.stdout)\n\(check.stderr)")
            #expect(
                check.stdout.contains("VIOLATION leaked sandbox in \(leaked), which is no slot in the database"),
                "\(check.stdout)"
            )
            #expect(
                check.stdout.contains("token \(words[2]) holding an earlier holder's files: namespace:torture_mark"),
                "\(check.stdout)"
            )
        }
    }

    /// The pids whose command line has an argument starting with `prefix`.
    static func processes(naming prefix: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains { $0.hasPrefix(prefix) } ? pid : nil
        }
    }
}
