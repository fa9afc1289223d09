import Foundation
import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// The write gate between real processes of `pool-stress-worker`.
@Suite("Write gate across processes")
struct WriteGateProcessTests {
    @Test("a process that dies holding the gate does not block the others: the next one takes it over")
    func deadHolderIsTakenOver() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "pool.db").path(percentEncoded: false)
            let ledger = try SQLiteLedger(path: database)
            try await ledger.createPool(
                PoolDefinition(name: "stress", kind: "folder", slotFolder: folder.appending(path: "slots").path(), maxSize: 1)
            )
            let holder = try ChildProcess(
                executable: try builtExecutable(named: "pool-stress-worker"),
                arguments: ["hold-gate", "--db", database, "--pool", "stress"],
                outputFolder: folder
            )
            _ = try await holder.waitForOutput(containing: "GATED")
            let gate = try WriteGate(databasePath: database)
            #expect(!gate.tryLock(), "the other process holds the gate")

            holder.kill(signal: SIGKILL)
            #expect(try await holder.waitForExit() == 128 + SIGKILL)
            #expect(gate.lock(timeout: .seconds(30)), "the dead holder's gate is taken over")
            gate.unlock()

            // And the ledger's writers go on using it.
            try await ledger.updateConfig(pool: "stress") { _ in #"{"after":"takeover"}"# }
            #expect(try await ledger.pool(named: "stress").config == #"{"after":"takeover"}"#)
        }
    }

    @Test("the gate file appears at the first write, not when a ledger is only opened or read")
    func gateIsMadeAtFirstWrite() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appending(path: "pool.db").path(percentEncoded: false)
            let ledger = try SQLiteLedger(path: database)
            _ = try await ledger.poolNames()
            #expect(!FileManager.default.fileExists(atPath: database + "-gate"))
            try await ledger.createPool(
                PoolDefinition(name: "p", kind: "folder", slotFolder: folder.appending(path: "slots").path(), maxSize: 1)
            )
            #expect(FileManager.default.fileExists(atPath: database + "-gate"))

            let ungated = folder.appending(path: "ungated.db").path(percentEncoded: false)
            let plain = try SQLiteLedger(path: ungated, writeGate: false)
            try await plain.createPool(
                PoolDefinition(name: "p", kind: "folder", slotFolder: folder.appending(path: "other").path(), maxSize: 1)
            )
            #expect(!FileManager.default.fileExists(atPath: ungated + "-gate"))
        }
    }
}
