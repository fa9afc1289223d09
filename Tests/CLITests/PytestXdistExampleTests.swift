import Foundation
import PoolTesting
import Testing

/// examples/pytest-xdist: the conftest.py fixture under `pytest -n 4`, in a virtualenv the test makes with
/// pytest and pytest-xdist from PyPI.
@Suite("pytest-xdist fixture")
struct PytestXdistExampleTests {
    @Test("pytest -n 4: each worker holds one slot of its own for the session, and every lease ends with the run")
    func eachWorkerHasItsOwnSlot() async throws {
        try await withFixture { fixture in
            try await fixture.initPool(["--max-size", "4"])
            let script = """
                python3 -m venv "$WORK/venv"
                "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check pytest pytest-xdist
                mkdir "$WORK/suite"
                cp "$EXAMPLES/pytest-xdist/conftest.py" "$EXAMPLES/pytest-xdist/test_in_worktree.py" "$WORK/suite/"
                cat >"$WORK/suite/test_record.py" <<'PY'
                import os

                import pytest


                @pytest.mark.parametrize("n", range(16))
                def test_record(pool_worktree, n):
                    with open(os.path.join(os.environ["WORK"], "seen"), "a") as seen:
                        seen.write(f"{os.environ['PYTEST_XDIST_WORKER']} {os.getpid()} {pool_worktree}\\n")
                PY
                cd "$WORK/suite"
                "$WORK/venv/bin/pytest" -q -p no:cacheprovider -n 4
                """
            let result = try await ExampleRunner.bash(script, fixture, timeout: .seconds(600))
            #expect(result.status == 0, "\(result)")
            let seen = try String(contentsOf: fixture.folder.appending(path: "seen"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(seen.count == 16)
            var slotOfWorker: [String: Set<String>] = [:]
            var pidOfWorker: [String: Set<String>] = [:]
            for line in seen where line.count == 3 {
                slotOfWorker[line[0], default: []].insert(canonicalPath(line[2]))
                pidOfWorker[line[0], default: []].insert(line[1])
            }
            #expect(slotOfWorker.keys.sorted() == ["gw0", "gw1", "gw2", "gw3"])
            // One slot per worker for the whole session, and no slot shared by two workers.
            #expect(slotOfWorker.values.allSatisfy { $0.count == 1 }, "\(slotOfWorker)")
            #expect(Set(slotOfWorker.values.flatMap { $0 }).count == 4, "\(slotOfWorker)")
            #expect(pidOfWorker.values.allSatisfy { $0.count == 1 })
            let after = try await fixture.slots()
            #expect(after.count == 4)
            #expect(after.allSatisfy { $0.holder == nil && $0.state == "idle" }, "\(after)")
        }
    }
}
