import Foundation
import PoolCore
import PoolTesting
import Testing

/// examples/coding-agents: an agent runs in a worktree of its own, leased for the script's life.
@Suite("coding agent recipe")
struct CodingAgentRecipeTests {
    @Test("agent-in-worktree.sh runs the agent in a leased worktree, keeps its commits, and releases on exit")
    func agentRunsInItsOwnWorktree() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            // The "agent": records where it ran and what it held, commits on a task branch, leaves a stray file.
            let agent = """
                pwd >"$WORK/agent-folder"
                shesha-pool status --json >"$WORK/during.json"
                git switch --quiet -c task/7
                echo done >result.txt && git add result.txt
                git -c user.name=Agent -c user.email=agent@example.invalid commit --quiet -m "task 7"
                echo scratch >scratch.txt
                """
            let result = try await ExampleRunner.bash(
                "\"$EXAMPLES/coding-agents/agent-in-worktree.sh\" 7 bash -c \"$AGENT\"", fixture,
                environment: ["AGENT": agent]
            )
            #expect(result.status == 0, "\(result)")
            let during = try JSONDecoder().decode(
                [SlotStatus].self, from: Data(contentsOf: fixture.folder.appending(path: "during.json"))
            )
            #expect(during.map(\.holder) == ["agent-7"])
            let folder = try String(contentsOf: fixture.folder.appending(path: "agent-folder"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(canonicalPath(folder) == canonicalPath(during[0].path))
            // The release returns at once and resets the slot in the background: wait for that to end.
            try await waitForSlots(fixture) { slots in slots.allSatisfy { $0.state == .idle } }
            let after = try await fixture.slots()
            #expect(after.map(\.holder) == [nil])
            #expect(after.map(\.state) == ["idle"])
            #expect(!FileManager.default.fileExists(atPath: folder + "/scratch.txt"))
            // The pool never deletes a branch: the agent's commit is still in the repository.
            let log = try git(["log", "--format=%s", "-1", "task/7"], in: fixture.repository)
            #expect(log.trimmingCharacters(in: .whitespacesAndNewlines) == "task 7")
        }
    }
}
