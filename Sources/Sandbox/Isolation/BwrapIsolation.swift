import FoundationEssentials
import Glibc
import PoolCore

/// Bubblewrap: the runner in new user, pid, network, IPC and UTS namespaces, the system folders read-only,
/// the slot's box the only writable folder. Needs no daemon and no privileges.
///
/// When the host runs as root, the sandbox runs as an unprivileged user (`SandboxUser.unprivileged`):
/// the kernel does not apply a process limit to root, so a fork bomb would not be contained.
public struct BwrapIsolation: HostProcessIsolation {
    public let name = "bwrap"
    /// The Python the sandbox runs; it must lie under the read-only system folders.
    public var python: String

    public init(python: String = "/usr/bin/python3") {
        self.python = python
    }

    /// System folders shown read-only inside when they exist (merged-/usr systems have symlinks instead).
    static let systemFolders = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
    /// The few files of /etc that Python and libc read.
    static let systemFiles = ["/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group"]

    public func checkAvailable() async throws {
        guard let bwrap = CommandRunner.find("bwrap") else {
            throw SandboxUnavailable(
                backend: name, reason: "bwrap is not installed",
                advice: "install it with: sudo apt-get install bubblewrap (or pick --backend podman or process)"
            )
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw SandboxUnavailable(
                backend: name, reason: "\(python) does not exist",
                advice: "install python3 (sudo apt-get install python3) or pass --python PATH under /usr"
            )
        }
        // User namespaces can be switched off (kernel.unprivileged_userns_clone=0, AppArmor): try one.
        let trial = SandboxUser.command + [bwrap, "--unshare-user", "--unshare-pid", "--unshare-net"]
            + readOnlySystem() + ["--proc", "/proc", "--dev", "/dev", python, "-c", "pass"]
        let result = try await CommandRunner.run(trial[0], Array(trial.dropFirst()), in: "/")
        guard result.status == 0 else {
            throw SandboxUnavailable(
                backend: name,
                reason: "bwrap could not make a sandbox: "
                    + (result.stderr.split(separator: "\n").first.map(String.init) ?? "exit \(result.status)"),
                advice: "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) "
                    + "or pick --backend podman or process"
            )
        }
    }

    public func start(_ spec: SandboxSpec) async throws -> SandboxRecord {
        guard let bwrap = CommandRunner.find("bwrap") else {
            throw SandboxUnavailable(backend: name, reason: "bwrap is not installed",
                                     advice: "install it with: sudo apt-get install bubblewrap")
        }
        let layout = spec.layout
        let info = layout.slot + "/bwrap-info.json"
        let arguments =
            SandboxUser.command + [bwrap]
            + ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
            + ["--unshare-cgroup-try", "--uid", "1000", "--gid", "1000", "--hostname", "sandbox"]
            + readOnlySystem()
            + ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
            + ["--ro-bind", layout.runner, SlotLayout.runnerInside]
            + ["--bind", layout.box, SlotLayout.boxInside, "--chdir", SlotLayout.boxInside]
            // bwrap's root is a tmpfs of its own; read-only, nothing written outside /box and /tmp survives.
            + ["--remount-ro", "/"]
            + ["--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", SlotLayout.boxInside]
            + ["--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
            + ["--info-fd", "3", python, "-I", SlotLayout.runnerInside]
            + RunnerArguments.limits(spec.limits)
        try SandboxUser.prepareBox(layout)
        if SandboxUser.hostIsRoot, let blocked = SandboxUser.firstUnreachableFolder(above: layout.slot) {
            throw SandboxStartFailed(message: SandboxUser.unreachableAdvice(blocked))
        }
        let pid = try DetachedProcess.start(
            arguments, in: layout.slot, environment: ["PATH": "/usr/bin:/bin"], log: layout.log,
            openFiles: [.init(descriptor: 3, path: info, flags: O_WRONLY | O_CREAT | O_TRUNC)]
        )
        guard let identity = ProcessIdentity.running(pid: pid) else {
            throw SandboxStartFailed(message: "bwrap exited at once; see \(layout.log)")
        }
        var record = SandboxRecord(backend: name, pid: pid, startTime: identity.startTime)
        // bwrap writes its namespace init's pid to fd 3 once the namespaces exist.
        for _ in 0..<500 {
            // Until bwrap has written it in full, the file is missing or does not parse: try again.
            if let data = FileManager.default.contents(atPath: info),
                let inner = try? JSONDecoder().decode(BwrapInfo.self, from: data).childPid
            {
                record.innerPid = inner
                record.innerStartTime = ProcessIdentity.running(pid: inner)?.startTime
                break
            }
            guard SandboxProcesses.isRunning(record) else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        return record
    }

    private func readOnlySystem() -> [String] {
        var arguments: [String] = []
        for folder in Self.systemFolders {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder) {
                arguments += ["--symlink", target, folder]
            } else if FileManager.default.fileExists(atPath: folder) {
                arguments += ["--ro-bind", folder, folder]
            }
        }
        for file in Self.systemFiles {
            arguments += ["--ro-bind-try", file, file]
        }
        return arguments
    }
}

/// The runner's command-line limits (`--memory`, `--pids`), which it applies to itself as rlimits.
enum RunnerArguments {
    static func limits(_ limits: SandboxLimits) -> [String] {
        var arguments: [String] = []
        if let memory = limits.memoryBytes { arguments += ["--memory", String(memory)] }
        if let pids = limits.pids { arguments += ["--pids", String(pids)] }
        return arguments
    }
}

/// What bwrap writes to its --info-fd: the pid of the namespace's init.
private struct BwrapInfo: Decodable {
    var childPid: Int32

    enum CodingKeys: String, CodingKey {
        case childPid = "child-pid"
    }
}
