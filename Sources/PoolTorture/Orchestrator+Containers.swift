import Foundation
import Glibc

extension Orchestrator {
    /// The whole run. Sandboxes outlive the processes that started them, so a container run stops every
    /// one after the checker has looked at them, and also when the run fails half-way.
    func run() async throws -> TortureReport {
        guard options.kind == .container else { return try runAndCheck() }
        let teardown = ContainerTeardown(work: work)
        var report: TortureReport
        do {
            report = try runAndCheck()
        } catch TortureError.usage(let message) {
            // Refused before it started anything (a work folder not empty): what is there is not ours.
            throw TortureError.usage(message)
        } catch {
            _ = await teardown.stopEverySandbox()
            throw error
        }
        report.violations += await teardown.stopEverySandbox()
        return report
    }

    /// `init container` with bwrap sandboxes in the work folder's slots, then a few to start with.
    func setUpContainerPool() throws {
        // As root, sandboxes run as an unprivileged user, who must pass through the work folder to reach
        // its slot; the database file in it stays owner-only.
        guard chmod(work.root, 0o755) == 0 else {
            let reason = String(cString: strerror(errno))
            throw TortureError.setup("cannot open \(work.root) to the sandbox user: \(reason)")
        }
        try sheshaPool([
            "init", "container", "--backend", "bwrap", "--dir", work.slots, "--max-size", "\(maxSize)",
            "--on-exhausted", "wait",
        ])
        try sheshaPool(["expand", "\(min(3, maxSize))"])
    }
}
