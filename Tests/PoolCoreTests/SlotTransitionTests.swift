import Foundation
@testable import PoolCore
import PoolTesting
import SheshaSQLite
import Testing

/// The slot state machine's one home: the table of allowed changes (`SlotTransition`) and the one
/// statement that changes `slot.state` (`SQLiteLedger.transition`).
@Suite("slot transitions")
struct SlotTransitionTests {
    /// DESIGN.md's slot life cycle, edge by edge, with the recovery edges invariant 6 asks for.
    static let lifeCycle: [(SlotState, SlotState, String)] = [
        (.creating, .idle, "creating --ok--> idle"),
        (.creating, .leased, "creating --ok--> leased: made for the acquirer that reserved it"),
        (.creating, .resetting, "creating --> resetting: the config changed while it was made"),
        (.creating, .broken, "creating --fail--> broken (kept with its error)"),
        (.creating, .destroying, "creating --(creator died)--> destroying"),
        (.idle, .leased, "idle --acquire--> leased"),
        (.idle, .resetting, "idle --(refresh moved the base)--> resetting"),
        (.idle, .destroying, "idle --shrink/cleanup--> destroying"),
        (.leased, .dirty, "leased --release--> dirty (or owner died, TTL passed)"),
        (.leased, .resetting, "leased --release --wait-reset / discard--> resetting"),
        (.dirty, .resetting, "dirty --claimed by the background resetter or an acquirer--> resetting"),
        (.dirty, .destroying, "dirty --cleanup--> destroying"),
        (.resetting, .idle, "resetting --reset--> idle"),
        (.resetting, .leased, "resetting --reset by acquirer--> leased"),
        (.resetting, .resetting, "resetting --> resetting: reset again at a config that changed meanwhile"),
        (.resetting, .dirty, "resetting --(resetter died)--> dirty"),
        (.resetting, .broken, "resetting --fail--> broken"),
        (.broken, .destroying, "broken --cleanup/doctor --fix--> destroying"),
        (.destroying, .destroying, "destroying --(remover died)--> destroying by the process that recovers it"),
        (.destroying, .broken, "destroying --fail--> broken"),
    ]

    @Test("the table allows exactly the life cycle's edges")
    func tableIsTheLifeCycle() {
        let expected = Set(Self.lifeCycle.map { SlotTransition(from: $0.0, to: $0.1) })
        let allowed = Set(SlotTransition.allowed.flatMap { from, targets in targets.map { SlotTransition(from: from, to: $0) } })
        #expect(allowed.subtracting(expected).isEmpty, "allowed but not in the life cycle: \(allowed.subtracting(expected))")
        #expect(expected.subtracting(allowed).isEmpty, "in the life cycle but refused: \(expected.subtracting(allowed))")
        // Overdue work taken over ends broken whatever the intermediate state.
        #expect(SlotState.allCases.filter(\.isIntermediate).allSatisfy { SlotTransition.isAllowed(from: $0, to: .broken) })
    }

    @Test("every allowed change goes through, and every other is refused and changes nothing")
    func walkEveryPair() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let slot = try #require(try await fixture.makeIdleSlots(1).first)
            let worker = ProcessIdentity.current
            for from in SlotState.allCases {
                for to in SlotState.allCases {
                    try fixture.force(slotID: slot.id, into: from)
                    let before = try #require(try await fixture.slot(id: slot.id))
                    fixture.clock.advance(by: .seconds(1))
                    let now = fixture.clock.now()
                    let ledger = fixture.ledger
                    let outcome: Result<Int64?, any Error> = await Result(awaiting: {
                        try await ledger.write { db in
                            try ledger.transition(
                                db, slotID: slot.id, from: [from], to: to, worker: to.isIntermediate ? worker : nil,
                                at: now
                            )
                        }
                    })
                    let after = try #require(try await fixture.slot(id: slot.id))
                    if SlotTransition.isAllowed(from: from, to: to) {
                        #expect(try outcome.get() != nil, "\(from) -> \(to) was allowed but did not change the slot")
                        #expect(after.state == to)
                        #expect(after.stateChangedAt == now)
                        #expect(after.worker == (to.isIntermediate ? worker : nil))
                    } else {
                        #expect(throws: DisallowedTransition.self, "\(from) -> \(to) must be refused") { try outcome.get() }
                        #expect(after == before, "\(from) -> \(to) was refused but changed the slot")
                    }
                }
            }
        }
    }

    @Test("the from-state is checked in the same statement: a slot that moved on is left alone")
    func fromStateChecked() async throws {
        try await withLedger { fixture in
            try await fixture.makePool(maxSize: 1)
            let slot = try #require(try await fixture.makeIdleSlots(1).first)
            let before = try #require(try await fixture.slot(id: slot.id))
            let ledger = fixture.ledger
            let now = fixture.clock.now()
            let changed = try await ledger.write { db in
                try ledger.transition(db, slotID: slot.id, from: [.dirty], to: .resetting, worker: .current, at: now)
            }
            #expect(changed == nil)
            #expect(try await fixture.slot(id: slot.id) == before)
            // Work owned by another process is not this one's to end.
            try fixture.force(slotID: slot.id, into: .resetting, worker: DeadProcess.recycledPID)
            let owned = try await ledger.write { db in
                try ledger.transition(db, slotID: slot.id, from: [.resetting], to: .idle, ownedBy: .current, at: now)
            }
            #expect(owned == nil)
            #expect(try await fixture.slot(id: slot.id)?.state == .resetting)
        }
    }

    @Test("no code but the transition statement writes slot.state")
    func oneWriter() throws {
        let sources = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../Sources")
            .standardizedFileURL
        let enumerator = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        // An UPDATE of the slot table that sets `state`, within one SQL string.
        let writer = try NSRegularExpression(pattern: #"UPDATE\s+slot\s+SET(?:(?!""").)*?[\s,]state\s*="#, options: [.dotMatchesLineSeparators])
        var writers: [String] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let count = writer.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            writers += Array(repeating: url.lastPathComponent, count: count)
        }
        #expect(writers == ["SQLiteLedger+Transition.swift"])
    }
}

extension LedgerFixture {
    /// Puts a slot into `state` behind the ledger's back (a second connection), with a worker exactly when
    /// the schema wants one: a starting point for the transition under test.
    func force(slotID: Int64, into state: SlotState, worker: ProcessIdentity = .current) throws {
        let connection = try Connection(path: databasePath, create: false)
        defer { try? connection.close() }
        let recorded = state.isIntermediate ? worker : nil
        try connection.execute(
            """
            UPDATE slot SET state = ?, worker_host = ?, worker_boot_id = ?, worker_pid = ?, worker_start_time = ?
            WHERE id = ?
            """,
            [state.rawValue, recorded?.host, recorded?.bootID, recorded?.pid, recorded?.startTime, slotID]
        )
    }
}

extension Result where Failure == any Error {
    init(awaiting body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
