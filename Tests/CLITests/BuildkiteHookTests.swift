import Foundation
import PoolCore
import PoolTesting
import Testing

/// examples/buildkite: the agent's pre-command and pre-exit hooks, run as `buildkite-agent bootstrap` runs
/// agent hooks: each in a shell of its own that sources it, the variables it exported carried into the
/// command and the next hooks, the command in the folder the hook changed to.
@Suite("Buildkite agent hooks")
struct BuildkiteHookTests {
    @Test("pre-command leases a worktree the command runs in; pre-exit releases and resets it")
    func jobLeasesAndReleases() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            // This bash process plays the job's bootstrap, the hooks' parent.
            let bootstrap = """
                export BUILDKITE_JOB_ID=0190-abcd BUILDKITE_AGENT_NAME=agent-1 BUILDKITE_BUILD_ID=77
                export BUILDKITE_BUILD_CHECKOUT_PATH="$WORK/builds/agent-1/pipeline"
                run_hook() {  # sources the hook in its own shell, then takes its exports and folder
                    bash -c 'source "$1" && { export -p | sed "s/^declare -x /export /"; echo "cd \\"$PWD\\""; } \\
                        >"$WORK/hook-env"' _ "$1"
                    . "$WORK/hook-env"
                }
                run_hook "$EXAMPLES/buildkite/hooks/pre-command"
                # The job's command.
                shesha-pool status --json >"$WORK/during.json"
                pwd >"$WORK/command-folder"
                echo built >job-output.txt
                run_hook "$EXAMPLES/buildkite/hooks/pre-exit"
                echo "$SHESHA_POOL_PATH"
                echo "job finished" >&2
                """
            let result = try await ExampleRunner.bash(bootstrap, fixture)
            #expect(result.status == 0, "\(result)")
            let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let during = try JSONDecoder().decode(
                [SlotStatus].self, from: Data(contentsOf: fixture.folder.appending(path: "during.json"))
            )
            #expect(during.map(\.holder) == ["bk-agent-1-0190-abcd"])
            #expect(during.map(\.state) == ["leased"])
            let folder = try String(contentsOf: fixture.folder.appending(path: "command-folder"), encoding: .utf8)
            #expect(canonicalPath(folder.trimmingCharacters(in: .whitespacesAndNewlines)) == canonicalPath(path))
            // The release returns at once and resets the slot in the background: wait for that to end.
            try await waitForSlots(fixture) { slots in slots.allSatisfy { $0.state == .idle } }
            let after = try await fixture.slots()
            #expect(after.map(\.holder) == [nil])
            #expect(after.map(\.state) == ["idle"])
            #expect(!FileManager.default.fileExists(atPath: path + "/job-output.txt"))
        }
    }
}
