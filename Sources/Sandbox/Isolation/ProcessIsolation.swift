import Foundation
import PoolCore

/// No isolation: the runner is a plain process of the host user, with only its own rlimits. For
/// development on machines without bubblewrap or a container engine; code in it can read and write
/// everything the user can.
public struct ProcessIsolation: HostProcessIsolation {
    public let name = "process"
    public var python: String

    public init(python: String = "/usr/bin/python3") {
        self.python = python
    }

    /// Said whenever such a pool is made or used from the command line.
    public static let warning = "the process backend does not isolate anything: code in it runs as you, with your files and network"

    public func checkAvailable() async throws {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw SandboxUnavailable(
                backend: name, reason: "\(python) does not exist",
                advice: "install python3 (sudo apt-get install python3) or pass --python PATH"
            )
        }
    }

    public func start(_ spec: SandboxSpec) async throws -> SandboxRecord {
        let layout = spec.layout
        let pid = try DetachedProcess.start(
            [python, "-I", layout.runner] + RunnerArguments.limits(spec.limits),
            in: layout.box,
            environment: ["PATH": "/usr/bin:/bin", "HOME": layout.box, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"],
            log: layout.log
        )
        guard let identity = ProcessIdentity.running(pid: pid) else {
            throw SandboxStartFailed(message: "python exited at once; see \(layout.log)")
        }
        return SandboxRecord(backend: name, pid: pid, startTime: identity.startTime)
    }
}
