import PoolCore
import PoolTesting
import Testing

/// Creating pools and looking them up: the errors a user meets first.
@Suite("Pool definitions")
struct PoolDefinitionTests {
    @Test("a created pool reads back as defined")
    func createAndRead() async throws {
        try await withLedger { fixture in
            let definition = PoolDefinition(
                name: "workers",
                kind: "folder",
                slotFolder: fixture.slotFolder(of: "workers"),
                maxSize: 4,
                minIdle: 2,
                onExhausted: .create,
                config: #"{"repo":"/src"}"#
            )
            try await fixture.ledger.createPool(definition)
            #expect(try await fixture.ledger.pool(named: "workers") == definition)
            #expect(try await fixture.ledger.poolNames() == ["workers"])
        }
    }

    @Test("pool names are listed in order")
    func poolNamesSorted() async throws {
        try await withLedger { fixture in
            for name in ["zeta", "alpha", "mid"] {
                try await fixture.makePool(name)
            }
            #expect(try await fixture.ledger.poolNames() == ["alpha", "mid", "zeta"])
        }
    }

    @Test("every policy round-trips", arguments: ExhaustionPolicy.allCases)
    func policyRoundTrip(policy: ExhaustionPolicy) async throws {
        try await withLedger { fixture in
            try await fixture.makePool(onExhausted: policy)
            #expect(try await fixture.ledger.pool(named: "p").onExhausted == policy)
        }
    }

    @Test("creating a pool whose name is taken throws poolExists and keeps the first definition")
    func poolExists() async throws {
        try await withLedger { fixture in
            let first = try await fixture.makePool(maxSize: 2)
            await #expect(throws: PoolError.poolExists("p")) {
                try await fixture.makePool(maxSize: 9, onExhausted: .create)
            }
            #expect(try await fixture.ledger.pool(named: "p") == first)
        }
    }

    @Test("looking up or using a pool that does not exist throws noSuchPool")
    func noSuchPool() async throws {
        try await withLedger { fixture in
            let missing = PoolError.noSuchPool("ghost")
            await #expect(throws: missing) { try await fixture.ledger.pool(named: "ghost") }
            await #expect(throws: missing) { try await fixture.ledger.slots(pool: "ghost") }
            await #expect(throws: missing) { try await fixture.ledger.leases(pool: "ghost") }
            await #expect(throws: missing) { try await fixture.ledger.lease(pool: "ghost", holder: "a") }
            await #expect(throws: missing) { try await fixture.ledger.events(pool: "ghost", since: nil) }
            await #expect(throws: missing) { try await fixture.ledger.reclaim(pool: "ghost", worker: .current) }
            await #expect(throws: missing) {
                try await fixture.ledger.reserveSlots(pool: "ghost", count: 1, beyondMaximum: false, worker: .current)
            }
            await #expect(throws: missing) {
                try await fixture.ledger.claimForDestroy(pool: "ghost", selection: .allUnleased, worker: .current)
            }
            await #expect(throws: missing) {
                try await fixture.ledger.abandonWait(
                    pool: "ghost",
                    holder: "a",
                    requestedAt: fixture.clock.now(),
                    timedOut: true
                )
            }
            await #expect(throws: missing) { try await fixture.pool("ghost").acquire(holder: "a") }
            await #expect(throws: missing) { try await fixture.pool("ghost").expand(by: 1) }
            let names = try await fixture.ledger.poolNames()
            #expect(names.isEmpty)
        }
    }

    static let badPoolNames = [
        "", "a/b", "/abs", "..", "../up", ".hidden", "-flag", "with space", "tab\t",
        "line\nbreak", "nul\u{0}", "esc\u{1B}", "caf\u{E9}",
        String(repeating: "p", count: Names.maximumLength + 1),
    ]

    @Test("an invalid pool name is refused and nothing is created", arguments: badPoolNames)
    func invalidPoolName(name: String) async throws {
        try await withLedger { fixture in
            let error = await #expect(throws: PoolError.self) {
                try await fixture.ledger.createPool(
                    PoolDefinition(name: name, kind: "folder", slotFolder: fixture.slotFolder(of: "x"), maxSize: 1)
                )
            }
            #expect(error?.isInvalidName == true, "got \(String(describing: error))")
            let names = try await fixture.ledger.poolNames()
            #expect(names.isEmpty)
        }
    }

    @Test("a pool name of exactly the maximum length is accepted")
    func longestPoolName() async throws {
        try await withLedger { fixture in
            let name = String(repeating: "p", count: Names.maximumLength)
            try await fixture.makePool(name)
            #expect(try await fixture.ledger.poolNames() == [name])
        }
    }

    @Test("a maximum size below 1 is refused", arguments: [0, -1, Int.min])
    func maxSizeBelowOne(maxSize: Int) async throws {
        try await withLedger { fixture in
            let error = await #expect(throws: PoolError.self) { try await fixture.makePool(maxSize: maxSize) }
            #expect(error?.isInvalidArgument == true, "got \(String(describing: error))")
            let names = try await fixture.ledger.poolNames()
            #expect(names.isEmpty)
        }
    }

    @Test("a minimum idle count outside 0...maxSize is refused", arguments: [-1, 3])
    func minIdleOutOfRange(minIdle: Int) async throws {
        try await withLedger { fixture in
            let error = await #expect(throws: PoolError.self) {
                try await fixture.ledger.createPool(
                    PoolDefinition(
                        name: "p",
                        kind: "folder",
                        slotFolder: fixture.slotFolder(of: "p"),
                        maxSize: 2,
                        minIdle: minIdle
                    )
                )
            }
            #expect(error?.isInvalidArgument == true, "got \(String(describing: error))")
            let names = try await fixture.ledger.poolNames()
            #expect(names.isEmpty)
        }
    }

    @Test(
        "an empty or relative slot folder is refused (each process would resolve it against its own directory)",
        arguments: ["", "slots", "./slots"]
    )
    func slotFolderMustBeAbsolute(folder: String) async throws {
        try await withLedger { fixture in
            let error = await #expect(throws: PoolError.self) {
                try await fixture.ledger.createPool(
                    PoolDefinition(name: "p", kind: "folder", slotFolder: folder, maxSize: 1)
                )
            }
            #expect(error?.isInvalidArgument == true, "got \(String(describing: error))")
        }
    }
}
