import Foundation
import PoolCore
import PoolTesting
import Testing
import Worktrees

/// The pool's own git commands never run the repository's hooks: a post-checkout hook (husky,
/// pre-commit) would otherwise run at every creation and reset.
@Suite("Hooks off")
struct HooksTests {
    @Test("a post-checkout hook never runs when a slot is created or reset")
    func postCheckoutHookNeverRuns() async throws {
        try await withWorktreeFixture { fixture in
            let marker = fixture.outside("hook-ran")
            let hook = fixture.repositoryPath + "/.git/hooks/post-checkout"
            try writeExecutableScript("#!/bin/sh\necho \"$@\" >> '\(marker)'\n", to: hook)
            // The hook is live: git run by hand in the repository does run it.
            try git(["checkout", "--quiet", "--detach", "HEAD"], in: fixture.repository)
            try #require(exists(marker))
            try FileManager.default.removeItem(atPath: marker)

            let pool = try await fixture.makePool()
            let lease = try await pool.pool.acquire(holder: "h")
            #expect(!exists(marker), "worktree add ran the hook")
            try writeFile("# edited\n", to: lease.path + "/README.md")
            try git(["checkout", "--quiet", "-b", "holder-branch"], at: lease.path)
            try FileManager.default.removeItem(atPath: marker)

            try await pool.pool.release(lease)

            #expect(contents(of: lease.path + "/README.md") == "# test repository\n")
            #expect(!exists(marker), "the reset's checkout ran the hook")
        }
    }
}
