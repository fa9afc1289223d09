import FoundationEssentials
import Glibc
import PoolCore
import SheshaSystem

/// A container engine, podman or docker: the runner in a container of an image with python3, with no
/// network, a read-only root, no capabilities, no-new-privileges, memory and process limits, a non-root
/// user, and the slot's box as the only writable bind. The container runs detached (`run -d`), so it
/// outlives its creator; any process finds it again by its name, which derives from the slot path, or by
/// its `shesha-pool.slot` label.
///
/// The limits are cgroup limits (`--memory`, `--pids-limit`, `--cpus`). The runner also gets `--memory`,
/// so running out of memory is a `MemoryError` it reports rather than a kill. As root it does not get
/// `--pids`, because RLIMIT_NPROC counts every process of the host user 65534, in every sandbox at once;
/// rootless podman, whose cgroup limits cgroup v1 ignores, passes it.
public struct ContainerEngineIsolation: SandboxIsolation {
    /// The engine CLI: "podman" or "docker" (a name on PATH or a path). Anything not named docker is
    /// driven as podman.
    public var engine: String
    /// The image used when the spec names none.
    public var image: String
    /// podman's `--storage-driver`; nil uses the store's configured one. A store keeps the driver it was
    /// first used with, and podman refuses any other, so every podman call on the machine must agree.
    public var storageDriver: String?

    public static let defaultImage = "localhost/shesha-python:latest"
    /// The label holding the slot path on every container this backend starts.
    public static let slotLabel = "shesha-pool.slot"
    static let defaultMemoryBytes: Int64 = 512 * 1024 * 1024
    static let defaultPids = 128

    public init(engine: String = "podman", image: String = Self.defaultImage, storageDriver: String? = "vfs") {
        self.engine = engine
        self.image = image
        self.storageDriver = storageDriver
    }

    public var name: String { URL(filePath: engine).lastPathComponent }

    private var isDocker: Bool { name == "docker" }

    /// Podman needs runc and cgroupfs here (crun and systemd are missing), and the store's driver.
    var command: EngineCommand {
        var flags: [String] = []
        if !isDocker {
            flags = ["--runtime", "runc", "--cgroup-manager", "cgroupfs"]
            if let storageDriver { flags += ["--storage-driver", storageDriver] }
        }
        return EngineCommand(engine: engine, globalFlags: flags)
    }

    public func checkAvailable() async throws {
        let command = command
        guard command.executable != nil else {
            throw SandboxUnavailable(
                backend: name,
                reason: "\(engine) is not installed",
                advice: isDocker
                    ? "install Docker Engine (https://docs.docker.com/engine/install/) or pick --backend podman"
                    : "install it with: sudo apt-get install podman runc"
            )
        }
        let info = try await command.run(["info"])
        guard info.succeeded else {
            let message = EngineCommand.firstLine(of: info.stderr) ?? "exit \(info.status)"
            throw SandboxUnavailable(
                backend: name,
                reason: "`\(engine) info` failed: \(message)",
                advice: infoAdvice(for: message)
            )
        }
        let inspect = try await command.run(["image", "inspect", "--format", "{{.Id}}", image])
        guard inspect.succeeded else {
            throw SandboxUnavailable(
                backend: name,
                reason: "the image \(image) does not exist",
                advice: isDocker
                    ? "pull or build an image with python3 in it (e.g. docker pull python:3.12-slim) and pass it"
                    : "make it with: scripts/make-python-image.sh \(image)"
            )
        }
    }

    public func start(_ spec: SandboxSpec) async throws -> SandboxRecord {
        let layout = spec.layout
        let containerName = Self.containerName(forSlot: layout.slot)
        let arguments = try runArguments(spec, containerName: containerName)
        try prepareBox(layout)
        var result = try await command.run(arguments)
        if !result.succeeded, result.stderr.contains("already in use") {
            // A container of an earlier sandbox of this slot that was never removed (its creator died):
            // whoever starts a slot's sandbox owns the slot, so the old one is stale.
            try await removeContainer(named: containerName)
            result = try await command.run(arguments)
        }
        guard result.succeeded else {
            // A container the engine made but could not start would hold the name until the next start.
            try? await removeContainer(named: containerName)
            throw SandboxStartFailed(
                message: "\(name) could not start the sandbox for \(layout.slot): "
                    + (EngineCommand.firstLine(of: result.stderr) ?? "exit \(result.status)")
            )
        }
        var record = SandboxRecord(backend: name, pid: 0, startTime: 0, containerName: containerName)
        // podman keeps a conmon process per container; docker's containers have no host process of ours.
        if !isDocker,
            let conmon = try? await command.output(
                ["container", "inspect", "--format", "{{.State.ConmonPid}}", containerName]
            ),
            let pid = Int32(conmon.trimmingWhitespace()),
            let identity = ProcessIdentity.running(pid: pid)
        {
            record.pid = pid
            record.startTime = identity.startTime
        }
        return record
    }

    public func stop(_ record: SandboxRecord) async throws {
        guard let containerName = record.containerName else {
            throw EngineCommandFailed(
                command: "\(engine) rm",
                status: 0,
                message: "the sandbox record names no container to remove"
            )
        }
        try await removeContainer(named: containerName)
    }

    public func isRunning(_ record: SandboxRecord) async -> Bool {
        guard let containerName = record.containerName,
            let state = try? await command.output(
                ["container", "inspect", "--format", "{{.State.Running}}", containerName]
            )
        else { return false }
        return state.trimmingWhitespace() == "true"
    }

    /// Every container of this backend with a slot under `slotFolder`, stopped ones included: they still
    /// hold their name and storage, and `stop` removes them.
    public func runningSandboxes(in slotFolder: String) async throws -> [String: SandboxRecord] {
        let output = try await command.output(
            ["ps", "--all", "--filter", "label=\(Self.slotLabel)", "--format", "json"]
        )
        let prefix = slotFolder.hasSuffix("/") ? slotFolder : slotFolder + "/"
        var found: [String: SandboxRecord] = [:]
        for container in try EngineContainer.decodeList(output) {
            guard let slot = container.labels[Self.slotLabel], slot.hasPrefix(prefix),
                let containerName = container.names.first
            else { continue }
            found[slot] = SandboxRecord(backend: name, pid: 0, startTime: 0, containerName: containerName)
        }
        return found
    }

    /// The container's name: readable, and the same for a slot in every process (so a second start of a
    /// slot's sandbox collides with the first instead of leaking it).
    public static func containerName(forSlot slot: String) -> String {
        // FNV-1a: Swift's Hasher is seeded per process, and the name must not be.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in slot.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let base = URL(filePath: slot).lastPathComponent.map {
            $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-"
        }
        let hex = String(hash, radix: 16)
        return "shesha-" + String(base.prefix(40)) + "-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    func runArguments(_ spec: SandboxSpec, containerName: String) throws -> [String] {
        let layout = spec.layout
        // `-v` splits on ':', docker's label listing on ','.
        guard !layout.slot.contains(":"), !layout.slot.contains(",") else {
            throw SandboxStartFailed(
                message: "the slot path \(layout.slot) contains ':' or ',', which \(name) cannot bind"
            )
        }
        let memory = spec.limits.memoryBytes ?? Self.defaultMemoryBytes
        var arguments = ["run", "--detach", "--name", containerName, "--label", "\(Self.slotLabel)=\(layout.slot)"]
        arguments += ["--network", "none", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
        arguments += userArguments()
        arguments += ["--memory", String(memory), "--pids-limit", String(spec.limits.pids ?? Self.defaultPids)]
        if let cpus = spec.limits.cpus { arguments += ["--cpus", String(cpus)] }
        // Without explicit values runc fails here setting the engine's defaults, which exceed the host's
        // hard limits ("error setting rlimit type 7: operation not permitted").
        arguments += ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]
        if !isDocker {
            arguments += ["--log-driver", "k8s-file", "--log-opt", "path=\(layout.log)"]
        }
        // An init as pid 1 reaps the zombies of code that forks, and stays out of the runner's way (reset
        // spares pid 1).
        arguments += ["--init", "--tmpfs", "/tmp", "--env", "HOME=\(SlotLayout.boxInside)", "--env", "LANG=C.UTF-8"]
        arguments += ["--volume", "\(layout.runner):\(SlotLayout.runnerInside):ro"]
        arguments += ["--volume", "\(layout.box):\(SlotLayout.boxInside)", "--workdir", SlotLayout.boxInside]
        arguments += [spec.image ?? image, "python3", "-I", SlotLayout.runnerInside, "--memory", String(memory)]
        if !SandboxUser.hostIsRoot && !isDocker {
            // Rootless podman on cgroup v1 ignores --memory and --pids-limit ("Resource limits are not
            // supported and ignored on cgroups V1 rootless systems"): the runner's rlimit is all there is.
            arguments += ["--pids", String(spec.limits.pids ?? Self.defaultPids)]
        }
        return arguments
    }

    /// As root, the sandbox runs as nobody, and the box is handed to it. Rootless podman maps the host user
    /// to itself inside (`keep-id`), so the box it owns stays writable.
    private func userArguments() -> [String] {
        if SandboxUser.hostIsRoot {
            return ["--user", "\(SandboxUser.unprivileged):\(SandboxUser.unprivileged)"]
        }
        return (isDocker ? [] : ["--userns", "keep-id"]) + ["--user", "\(getuid()):\(getgid())"]
    }

    private func prepareBox(_ layout: SlotLayout) throws {
        guard SandboxUser.hostIsRoot else { return }
        guard chown(layout.box, SandboxUser.unprivileged, SandboxUser.unprivileged) == 0 else {
            throw SandboxStartFailed(
                message: "cannot hand \(layout.box) to uid \(SandboxUser.unprivileged): "
                    + "\(SystemError.last("chown", path: layout.box))"
            )
        }
    }

    /// Removes a container at once (SIGKILL); one that is already gone counts as removed.
    private func removeContainer(named containerName: String) async throws {
        // podman waits 10 s for a graceful stop unless told otherwise; docker's `rm -f` kills at once.
        let arguments = isDocker ? ["rm", "--force", containerName] : ["rm", "--force", "--time", "0", containerName]
        let result = try await command.run(arguments)
        guard result.succeeded || result.stderr.lowercased().contains("no such container") else {
            throw command.failure(arguments, result)
        }
    }

    private func infoAdvice(for message: String) -> String {
        if message.contains("does not match our storage graph driver") {
            return "the podman store was first used with a storage driver other than "
                + "\(storageDriver ?? "the configured one"); use that driver, or empty the store with "
                + "`podman system reset` (which removes all its containers and images)"
        }
        return isDocker ? "start the Docker daemon, or pick --backend podman" : "see `\(engine) info`"
    }
}
