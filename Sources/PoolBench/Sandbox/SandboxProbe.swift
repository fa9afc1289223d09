import Sandbox

/// The code every cycle runs, and the check that it really ran: a cycle whose sandbox printed anything
/// else (or nothing) is a failure of the bench, not a fast cycle.
enum SandboxProbe {
    static let code = "print(1+1)"
    static let expectedOutput = "2\n"
    static let timeout: Duration = .seconds(30)

    static func check(_ result: ExecutionResult, in workload: String) throws {
        guard result.status == .ok, result.stdout == expectedOutput else {
            let reason = result.failure.map { "\($0)" } ?? result.error.map { "\($0.type): \($0.message)" }
            throw BenchError(
                "\(workload): `\(code)` gave status \(result.status), stdout '\(result.stdout)'"
                    + (reason.map { ", \($0)" } ?? "")
            )
        }
    }

    static func check(stdout: String, in workload: String) throws {
        guard stdout == expectedOutput else {
            throw BenchError("\(workload): `shesha-pool exec '\(code)'` printed '\(stdout)', not '2'")
        }
    }
}
