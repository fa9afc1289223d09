import Foundation
import PoolCore
import PoolTesting
import Testing

/// examples/github-actions: the runner's job-started and job-completed hooks, run as a self-hosted runner's
/// worker runs them: `bash -e` with the job's default variables, the job's steps in between, reading the
/// variables the hook wrote to $GITHUB_ENV.
@Suite("GitHub Actions runner hooks")
struct GitHubActionsHookTests {
    /// One job as Runner.Worker runs it: this bash process plays the worker, the hooks' parent.
    static let job = """
        export GITHUB_ENV="$WORK/github_env" GITHUB_JOB=unit-tests GITHUB_RUN_ID=4242 GITHUB_RUN_ATTEMPT=1
        export RUNNER_NAME="runner 1" GITHUB_WORKSPACE="$WORK/_work/repo/repo"
        : >"$GITHUB_ENV"
        bash -e "$EXAMPLES/github-actions/job-started.sh"
        # The runner hands what the hook wrote to $GITHUB_ENV to every later step.
        set -a; . "$GITHUB_ENV"; set +a
        # The job's step, after the hook has exited.
        (cd "$SHESHA_POOL_PATH" && shesha-pool status --json >"$WORK/during.json" && echo built >job-output.txt)
        echo "$SHESHA_POOL_PATH"
        """

    @Test("job-started leases a worktree that outlives the hook for the job's steps; job-completed releases and resets it")
    func jobLeasesAndReleases() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await ExampleRunner.bash(
                Self.job + "\nbash -e \"$EXAMPLES/github-actions/job-completed.sh\"\necho \"job finished\" >&2", fixture
            )
            #expect(result.status == 0, "\(result)")
            let path = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let during = try JSONDecoder().decode(
                [SlotStatus].self, from: Data(contentsOf: fixture.folder.appending(path: "during.json"))
            )
            #expect(during.map(\.holder) == ["gha-runner-1-4242-1-unit-tests"])
            #expect(during.map(\.state) == ["leased"])
            #expect(canonicalPath(during[0].path) == canonicalPath(path))
            // The release returns at once and resets the slot in the background: wait for that to end.
            try await waitForSlots(fixture) { slots in slots.allSatisfy { $0.state == .idle } }
            let after = try await fixture.slots()
            #expect(after.map(\.holder) == [nil])
            #expect(after.map(\.state) == ["idle"])
            // Reset for the next job: what the job left is gone.
            #expect(!FileManager.default.fileExists(atPath: path + "/job-output.txt"))
        }
    }

    @Test("a worker that dies before job-completed leaves a lease that cleanup reclaims")
    func leaseEndsWithTheWorker() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--min-idle", "1"])
            let result = try await ExampleRunner.bash(Self.job, fixture)
            #expect(result.status == 0, "\(result)")
            #expect(try await fixture.slots().map(\.holder) == ["gha-runner-1-4242-1-unit-tests"])
            // The worker (the bash above) has exited without running job-completed.
            let cleanup = try await fixture.cli(["cleanup"])
            #expect(cleanup.status == 0, "\(cleanup)")
            let after = try await fixture.slots()
            #expect(after.map(\.holder) == [nil])
            #expect(after.map(\.state) != ["leased"])
        }
    }
}
