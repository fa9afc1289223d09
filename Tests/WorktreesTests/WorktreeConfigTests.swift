import Foundation
import PoolCore
import Testing
import Worktrees

/// A worktree pool's settings as stored in the ledger.
@Suite("Worktree config")
struct WorktreeConfigTests {
    @Test("a config stored before the timeouts existed decodes with the defaults")
    func oldConfigGetsDefaults() throws {
        let config = try WorktreeConfig(
            json:
                #"{"repository":"/r","baseRef":"main","baseCommit":"abc","setup":["npm ci"],"cleanIgnored":true,"lockfiles":[]}"#
        )
        #expect(config.setupTimeout == .seconds(30 * 60))
        #expect(config.gitTimeout == .seconds(10 * 60))
        #expect(config.setup == ["npm ci"])
        #expect(config.cleanIgnored)
    }

    @Test("the timeouts survive a round trip, and bound each kind of work")
    func roundTrip() throws {
        let config = WorktreeConfig(
            repository: "/r",
            baseRef: "main",
            baseCommit: "abc",
            setup: ["a", "b"],
            lockfiles: ["x"],
            setupTimeout: .milliseconds(1_500),
            gitTimeout: .seconds(2)
        )
        #expect(try WorktreeConfig(json: config.json) == config)
        let git = Duration.seconds(2) + CommandRunner.terminationGrace
        let setup = Duration.milliseconds(1_500) + CommandRunner.terminationGrace
        #expect(
            config.workTimeouts == WorkTimeouts(create: git + setup * 2, reset: git * 8 + setup * 2, destroy: git * 2)
        )
    }
}
