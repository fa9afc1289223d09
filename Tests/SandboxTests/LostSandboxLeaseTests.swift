import Foundation
import PoolCore
import PoolTesting
import Sandbox
import Testing

/// A sandbox whose lease ends under its holder is taken from the holder's body.
@Suite("withExecutor when the lease is lost")
struct LostSandboxLeaseTests {
    @Test("a TTL lease released from outside cancels the body, and withExecutor throws leaseLost")
    func releasedFromOutside() async throws {
        try await withContainerPool(backend: .process, maxSize: 1) { fixture in
            let body = WaitingBody()
            let containers = fixture.containers
            let call = Task {
                try await withDeadline(.seconds(120)) {
                    try await containers.withExecutor(holder: "h", ttl: .seconds(1)) { _ in await body.run() }
                }
            }
            await body.started()
            let lease = try #require(try await fixture.ledger.lease(pool: fixture.pool.name, holder: "h"))
            let other = try SQLiteLedger(path: fixture.folder.appending(path: "pool.db").path(percentEncoded: false))
            _ = try await other.release(lease.token, resetBy: nil)

            await #expect(throws: PoolError.leaseLost(lease.token)) { try await call.value }
            #expect(body.endedByCancellation == true)
            #expect(try await fixture.ledger.leases(pool: fixture.pool.name).isEmpty)
            // The lost holder neither reset nor discarded the sandbox: it is the next holder's business.
            #expect(try await fixture.slots().map(\.state) == [.dirty])
        }
    }
}
