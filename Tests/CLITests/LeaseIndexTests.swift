import Foundation
import PoolTesting
import Testing

/// The per-lease index: the smallest integer >= 0 no other live lease of the pool holds, fixed for the
/// life of the lease, in `run`'s environment, `acquire --json` and `status`.
@Suite("lease index")
struct LeaseIndexTests {
    @Test("16 concurrent runs on 16 slots see 16 distinct indexes, 0 to 15")
    func concurrentRunsDistinct() async throws {
        try await withFixture { fixture in
            let count = 16
            // Refuse rather than wait: every run must hold its own slot while all of them hold one.
            try await fixture.initPool(["--max-size", "\(count)", "--min-idle", "\(count)", "--on-exhausted", "fail"])
            let started = fixture.folder.appending(path: "started")
            try FileManager.default.createDirectory(at: started, withIntermediateDirectories: true)
            // Each run marks its start, then waits until all have started, so the leases overlap for real;
            // the loop's limit only stops a test that would hang.
            let script = """
                touch "$0/$$"
                tries=0
                while [ "$(ls "$0" | wc -l)" -lt \(count) ]; do
                    tries=$((tries + 1)); [ "$tries" -gt 6000 ] && exit 3
                    sleep 0.05
                done
                echo "$SHESHA_POOL_INDEX"
                """
            let runs = try (0..<count).map { number in
                try fixture.start(
                    ["run", "--holder", "job-\(number)", "--", "sh", "-c", script, started.path(percentEncoded: false)]
                )
            }
            var indexes: [Int] = []
            for run in runs {
                let status = try await run.waitForExit(timeout: .seconds(600))
                #expect(status == 0, "exit \(status): \(run.stderr)")
                indexes.append(try #require(Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))))
            }
            #expect(indexes.sorted() == Array(0..<count), "\(indexes)")
        }
    }

    @Test("a new lease takes the smallest free index; a live lease keeps its own")
    func smallestFreeIndex() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "4"])
            #expect(try await fixture.acquire("a").index == 0)
            #expect(try await fixture.acquire("b").index == 1)
            #expect(try await fixture.acquire("c").index == 2)
            let released = try await fixture.cli(["release", "--holder", "b", "--owner-pid", CLIFixture.testPID])
            try #require(released.status == 0, "\(released)")
            #expect(try await fixture.acquire("d").index == 1, "the gap left by b")
            #expect(try await fixture.acquire("e").index == 3)
            #expect(try await fixture.acquire("c").index == 2, "acquiring again keeps the index")
            let held = try await fixture.slots().compactMap { slot in slot.holder.map { ($0, slot.index) } }
            let indexes = Dictionary(uniqueKeysWithValues: held)
            #expect(indexes == ["a": 0, "c": 2, "d": 1, "e": 3])
            let table = try await fixture.cli(["status"])
            let header = table.stdout.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) }
            #expect(header?.prefix(5) == ["SLOT", "STATE", "HOLDER", "INDEX", "BRANCH"], "\(table)")
            let row = try #require(table.stdout.split(separator: "\n").first { $0.contains(" e ") })
            #expect(row.split(separator: " ", omittingEmptySubsequences: true)[3] == "3", "\(row)")
        }
    }
}
