import Foundation
import PoolCore
import PoolTesting
import Sandbox
import Testing

/// Fencing at the sandbox (DESIGN invariant 7): the runner keeps the highest lease token it has seen and
/// runs nothing for a request that carries an older one, or none; the host tells that refusal apart from a
/// protocol error and never discards the sandbox for it.
@Suite("runner: fencing")
struct RunnerFencingTests {
    /// Code that would leave a trace in the box (the runner's working folder) if it ran.
    static let tracingCode = "open('trace', 'w').write('ran')"

    static func isStaleLease(_ reply: [String: Any]) -> Bool {
        reply["type"] as? String == "error" && reply["code"] as? String == "stale_lease"
    }

    @Test("a raw client without a token is refused for setup, execute and reset, and nothing runs")
    func noToken() async throws {
        try await withRunner { runner in
            let client = try await ReplClient.connect(to: runner.layout.socket)
            let kept = try client.request(["type": "execute", "code": "kept = 1", "token": 1])
            #expect(kept["status"] as? String == "ok", "\(kept)")
            let refusedRequests: [[String: Any]] = [
                ["type": "execute", "code": Self.tracingCode],
                ["type": "setup", "context": ["replaced"]],
                ["type": "reset"],
                // Not positive integers: no token either.
                ["type": "execute", "code": Self.tracingCode, "token": "1"],
                ["type": "execute", "code": Self.tracingCode, "token": 0],
                ["type": "execute", "code": Self.tracingCode, "token": -1],
                ["type": "execute", "code": Self.tracingCode, "token": 1.5],
                ["type": "execute", "code": Self.tracingCode, "token": true],
                ["type": "execute", "code": Self.tracingCode, "token": NSNull()],
            ]
            for request in refusedRequests {
                let reply = try client.request(request)
                #expect(Self.isStaleLease(reply), "\(request) -> \(reply)")
            }
            #expect(!FileManager.default.fileExists(atPath: runner.layout.box + "/trace"))
            // Neither the setup nor the reset happened, and ping needs no token.
            let after = try client.request(["type": "execute", "code": "(kept, context)", "token": 1])
            #expect(after["value"] as? String == "(1, [])", "\(after)")
            #expect(try client.request(["type": "ping"])["type"] as? String == "pong")
        }
    }

    @Test("a token lower than the highest seen is refused; an equal or higher one is accepted and fences the rest")
    func lowerToken() async throws {
        try await withRunner { runner in
            let client = try await ReplClient.connect(to: runner.layout.socket)
            #expect(
                try client.request(["type": "execute", "code": "kept = 5", "token": 5])["status"] as? String == "ok"
            )

            let older = try client.request(["type": "execute", "code": Self.tracingCode, "token": 4])
            #expect(Self.isStaleLease(older), "\(older)")
            let message = older["message"] as? String ?? ""
            #expect(message.contains("4") && message.contains("5"), "names both tokens: \(message)")
            #expect(Self.isStaleLease(try client.request(["type": "reset", "token": 4])))
            #expect(Self.isStaleLease(try client.request(["type": "setup", "context": ["x"], "token": 4])))
            #expect(!FileManager.default.fileExists(atPath: runner.layout.box + "/trace"))

            let same = try client.request(["type": "execute", "code": "(kept, context)", "token": 5])
            #expect(same["value"] as? String == "(5, [])", "the refused reset and setup changed nothing: \(same)")
            #expect(try client.request(["type": "reset", "token": 7])["type"] as? String == "ok")
            #expect(Self.isStaleLease(try client.request(["type": "execute", "code": Self.tracingCode, "token": 5])))
            #expect(!FileManager.default.fileExists(atPath: runner.layout.box + "/trace"))
            let newer = try client.request(["type": "execute", "code": "'kept' in globals()", "token": 7])
            #expect(newer["value"] as? String == "False", "\(newer)")
        }
    }

    @Test("an executor whose token was overtaken fails with leaseEnded, is not marked for discarding, and stops")
    func executorLeaseEnded() async throws {
        try await withRunner { runner in
            let old = runner.executor(token: FencingToken(rawValue: 3))
            #expect(await old.execute(code: "mine = 'old'", timeout: .seconds(60)).status == .ok)
            // The runner serves one connection at a time: the old holder is between calls here.
            await old.close()
            let new = runner.executor(token: FencingToken(rawValue: 9))
            try await new.resetNamespace()
            await new.close()

            let refused = await old.execute(code: Self.tracingCode, timeout: .seconds(60))
            let failure = try #require(refused.failure)
            guard case .leaseEnded(let detail) = failure else {
                Issue.record("expected leaseEnded, got \(failure)")
                return
            }
            #expect(detail.contains("3"), "\(detail)")
            #expect("\(failure)".contains("the lease has ended"), "\(failure)")
            #expect(refused.status == .error)
            #expect(await old.protocolError == nil)
            #expect(await !old.needsDiscard)
            #expect(await old.leaseEnded == failure)
            await #expect(throws: failure) { try await old.setupContext(["late"]) }
            await old.close()
            #expect(!FileManager.default.fileExists(atPath: runner.layout.box + "/trace"))

            let after = await new.execute(code: "print('mine' in globals(), context)", timeout: .seconds(60))
            #expect(after.stdout == "False []\n", "\(after)")
            await new.close()
        }
    }

    @Test(
        "in a bwrap pool, a holder whose lease ended is refused by the sandbox, which passes to the next holder intact",
        arguments: [true, false]
    )
    func staleHolderInPool(resetOnRelease: Bool) async throws {
        try await withContainerPool(maxSize: 1) { fixture in
            let first = try await fixture.containers.acquire(holder: "a")
            #expect(await first.executor.execute(code: "mine = 'a'", timeout: .seconds(30)).status == .ok)
            await first.executor.close()
            // Someone else ends the lease: at once with a reset (a fresh fence), or leaving the slot dirty for
            // the next acquirer, whose reset carries its own token.
            try await fixture.pool.release(token: first.lease.token, reset: resetOnRelease)
            let second = try await fixture.containers.acquire(holder: "b")
            #expect(second.lease.path == first.lease.path)
            // One connection at a time: the new holder is between calls when the old one comes back.
            await second.executor.close()

            let stale = await first.executor.execute(code: "open('/box/trace', 'w').write('a')", timeout: .seconds(30))
            guard case .leaseEnded = stale.failure else {
                Issue.record("expected leaseEnded, got \(String(describing: stale.failure))")
                return
            }
            #expect(await !first.executor.needsDiscard)
            await #expect(throws: PoolError.leaseLost(first.lease.token)) {
                try await fixture.containers.release(first)
            }

            let seen = await second.executor.execute(
                code: "import os\nprint('mine' in globals(), os.listdir('/box'))",
                timeout: .seconds(30)
            )
            #expect(seen.stdout == "False ['repl.sock']\n", "\(seen)")
            try await fixture.containers.release(second)
            let slots = try await fixture.slots()
            #expect(slots.map(\.state) == [.idle], "the sandbox was kept, not discarded")
        }
    }
}
