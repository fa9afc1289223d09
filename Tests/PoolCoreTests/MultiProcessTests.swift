import Foundation
import PoolCore
import PoolTesting
import Testing

/// Real processes of the `pool-stress-worker` executable sharing one database file.
@Suite("multi-process")
struct MultiProcessTests {
    /// A folder-backed pool in a fresh database inside `folder`.
    func makePool(in folder: URL, maxSize: Int, policy: ExhaustionPolicy) async throws -> (Pool, String) {
        let database = folder.appending(path: "pool.db").path()
        let ledger = try SQLiteLedger(path: database)
        try await ledger.createPool(
            PoolDefinition(
                name: "stress",
                kind: "folder",
                slotFolder: folder.appending(path: "slots").path(),
                maxSize: maxSize,
                onExhausted: policy
            )
        )
        return (Pool(name: "stress", ledger: ledger, backend: FolderBackend()), database)
    }

    /// Runs a worker that dies by SIGKILL after making a new slot's folder, before the ledger hears of it.
    func crashWhileCreating(database: String, outputFolder folder: URL) async throws -> ChildProcess {
        let crasher = try ChildProcess(
            executable: try builtExecutable(named: "pool-stress-worker"),
            arguments: ["crash-creating", "--db", database, "--pool", "stress"],
            outputFolder: folder
        )
        #expect(try await crasher.waitForExit() == 128 + SIGKILL)
        return crasher
    }

    @Test("8 processes x 200 cycles: no slot is ever held twice, tokens only grow")
    func exclusivityUnderContention() async throws {
        try await withTemporaryFolder { folder in
            let (pool, database) = try await makePool(in: folder, maxSize: 4, policy: .wait)
            _ = try await pool.expand(by: 4)
            let worker = try builtExecutable(named: "pool-stress-worker")
            let processCount = 8
            let cycles = 200
            let children = try (0..<processCount).map { index in
                try ChildProcess(
                    executable: worker,
                    arguments: [
                        "cycles", "--db", database, "--pool", "stress", "--holder", "worker-\(index)",
                        "--cycles", "\(cycles)", "--hold-us", "200",
                    ],
                    outputFolder: folder
                )
            }
            var allTokens: [Int64] = []
            for child in children {
                let status = try await child.waitForExit(timeout: .seconds(300))
                #expect(status == 0, "worker failed: \(child.stderr)")
                #expect(!child.stdout.contains("DOUBLE"), "a slot was held twice: \(child.stdout)")
                let tokens = child.stdout.split(separator: "\n")
                    .filter { $0.hasPrefix("TENURE ") }
                    .compactMap { $0.split(separator: " ").last.flatMap { Int64($0) } }
                #expect(tokens.count == cycles)
                #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "tokens must grow")
                allTokens += tokens
            }
            #expect(Set(allTokens).count == processCount * cycles, "every tenure has its own token")

            let events = try await pool.ledger.events(pool: "stress", since: nil)
            #expect(events.filter { $0.kind == .acquire }.count == processCount * cycles)
            #expect(events.filter { $0.kind == .release }.count == processCount * cycles)
            #expect(try await pool.ledger.leases(pool: "stress").isEmpty)
            let slots = try await pool.ledger.slots(pool: "stress")
            #expect(slots.count == 4 && slots.allSatisfy { $0.state == .idle })
        }
    }

    @Test("a holder killed by SIGKILL loses its slot to the next acquirer, with no TTL")
    func killedHolderIsReclaimed() async throws {
        try await withTemporaryFolder { folder in
            let (pool, database) = try await makePool(in: folder, maxSize: 1, policy: .fail)
            let holder = try ChildProcess(
                executable: try builtExecutable(named: "pool-stress-worker"),
                arguments: ["hold", "--db", database, "--pool", "stress", "--holder", "doomed"],
                outputFolder: folder
            )
            let output = try await holder.waitForOutput(containing: "LEASED")
            let heldPath = try #require(output.split(separator: " ").dropFirst().first.map(String.init))

            // While the holder lives, its slot is not taken away.
            await #expect(throws: PoolError.self) {
                _ = try await pool.acquire(holder: "next")
            }

            holder.kill(signal: SIGKILL)
            #expect(try await holder.waitForExit() == 128 + SIGKILL)
            let findings = try await pool.ledger.inspect(pool: "stress")
            #expect(findings.deadLeases.map(\.holder) == ["doomed"])
            #expect(findings.stuckSlots.isEmpty && findings.expiredLeases.isEmpty)
            #expect(try await pool.ledger.leases(pool: "stress").count == 1, "inspecting changes nothing")

            let lease = try await pool.acquire(holder: "next")
            #expect(lease.path == heldPath)
            let reclaims = try await pool.ledger.events(pool: "stress", since: nil).filter { $0.kind == .reclaim }
            #expect(reclaims.count == 1)
            #expect(reclaims.first?.holder == "doomed")
            #expect(reclaims.first?.detail?.contains("died") == true)
        }
    }

    @Test("a process killed while creating a slot leaves a row that recovery removes, with its folder")
    func crashWhileCreatingIsRecovered() async throws {
        try await withTemporaryFolder { folder in
            let (pool, database) = try await makePool(in: folder, maxSize: 2, policy: .fail)
            let crasher = try await crashWhileCreating(database: database, outputFolder: folder)

            let stuck = try #require(try await pool.ledger.slots(pool: "stress").first)
            #expect(stuck.state == .creating)
            #expect(stuck.worker?.pid == crasher.pid)
            #expect(FileManager.default.fileExists(atPath: stuck.path), "the crash came after the folder was made")

            let findings = try await pool.ledger.inspect(pool: "stress")
            #expect(findings.stuckSlots.map(\.id) == [stuck.id])
            #expect(try await pool.ledger.slots(pool: "stress") == [stuck], "inspecting changes nothing")

            let report = try await pool.recover()
            #expect(report.removedOrphans.map(\.name) == [stuck.name])
            #expect(report.failures.isEmpty)
            #expect(try await pool.ledger.slots(pool: "stress").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: stuck.path))
            #expect(
                try await pool.ledger.events(pool: "stress", since: nil).contains {
                    $0.kind == .recover && $0.slotName == stuck.name
                }
            )
        }
    }

    @Test("a slot left creating by a dead process is recovered by the next acquire that finds the pool full")
    func acquireRecoversCrashedCreation() async throws {
        try await withTemporaryFolder { folder in
            let (pool, database) = try await makePool(in: folder, maxSize: 1, policy: .fail)
            _ = try await crashWhileCreating(database: database, outputFolder: folder)
            let stuck = try #require(try await pool.ledger.slots(pool: "stress").first)

            let lease = try await pool.acquire(holder: "after-crash")
            #expect(lease.slotName != stuck.name, "names are never reused")
            #expect(!FileManager.default.fileExists(atPath: stuck.path))
            #expect(FileManager.default.fileExists(atPath: lease.path))
            #expect(try await pool.ledger.slots(pool: "stress").map(\.name) == [lease.slotName])
        }
    }
}
