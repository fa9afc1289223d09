import FoundationEssentials
import Glibc
public import PoolCore
import SheshaSystem

/// Makes, resets, checks and removes sandbox slots: a folder holding the runner and the box, and a
/// sandbox running the runner, reachable by any process through the box's socket.
public struct ContainerBackend: ResourceBackend {
    public let isolation: any SandboxIsolation
    let config: @Sendable () async throws -> ContainerConfig
    /// How long a new sandbox may take to answer its first ping (a container start can take seconds).
    public var startTimeout: Duration = .seconds(30)
    /// How long a health check or reset waits for the runner.
    public var answerTimeout: Duration = .seconds(10)

    /// The longest each kind of work on a sandbox slot takes, every step at its own limit plus a few
    /// seconds: a start is an engine call (or a bwrap spawn), then the first answer; a reset, a connection,
    /// the runner's reset (30 s) and a ping; a removal, stopping the sandbox (two engine calls at most).
    /// The ledger records the deadline, so `doctor` can report work stuck past it.
    public static let workTimeouts = WorkTimeouts(
        create: EngineCommand.timeout + .seconds(30 + 10 + 5),
        reset: .seconds(10 + 30 + 10 + 5),
        destroy: EngineCommand.timeout * 2 + .seconds(5)
    )

    public init(isolation: any SandboxIsolation, config: @escaping @Sendable () async throws -> ContainerConfig) {
        self.isolation = isolation
        self.config = config
    }

    public func create(_ slot: Slot) async throws {
        let layout = SlotLayout(slot: slot.path)
        try FileManager.default.createDirectory(
            atPath: URL(filePath: slot.path).deletingLastPathComponent().path(percentEncoded: false),
            withIntermediateDirectories: true
        )
        // Never adopt an existing folder: it may belong to another slot.
        guard mkdir(slot.path, 0o755) == 0 else {
            if errno == EEXIST { throw SlotPathTaken(slot: slot.name, path: slot.path) }
            throw SystemError.last("mkdir", path: slot.path)
        }
        // The folder itself must be 0755 whatever the umask: an unprivileged sandbox user passes through it.
        chmod(slot.path, 0o755)
        let runner = Data(PackageResources.repl_runner_py)
        guard
            FileManager.default.createFile(
                atPath: layout.runner, contents: runner, attributes: [.posixPermissions: 0o644]
            )
        else { throw SystemError.last("open", path: layout.runner) }
        guard mkdir(layout.box, 0o700) == 0 else { throw SystemError.last("mkdir", path: layout.box) }
        let settings = try await config()
        let record = try await isolation.start(SandboxSpec(layout: layout, limits: settings.limits, image: settings.image))
        // The worst moment to die: a sandbox runs that no record names (destroy finds it by its command line).
        CrashPoint.reached(.midCreate)
        try write(record, to: layout)
        do {
            try await talk(to: layout, connectTimeout: startTimeout) { try await $0.ping(timeout: answerTimeout) }
        } catch {
            try? await isolation.stop(record)
            throw SandboxStartFailed(message: "the sandbox did not answer: \(error)\(logTail(layout))")
        }
    }

    /// Clears the namespace, the box and any processes the last holder left, then checks the runner answers.
    /// The reset carries the slot's fence (the token its claim took), so from then on the runner refuses
    /// every earlier holder.
    public func reset(_ slot: Slot) async throws {
        let layout = SlotLayout(slot: slot.path)
        guard let fence = slot.fence else {
            throw PoolError.backendFailed(
                slot: slot.name,
                operation: "reset",
                message: "the slot came without the fencing token its claim for reset takes"
            )
        }
        try await talk(to: layout, token: fence, connectTimeout: answerTimeout) { executor in
            CrashPoint.reached(.midReset)
            try await executor.resetNamespace()
            try await executor.ping(timeout: answerTimeout)
        }
    }

    public func destroy(_ slot: Slot) async throws {
        try await stopSandbox(of: slot.path)
        CrashPoint.reached(.midDestroy)
        // Already gone is fine: a crash may have come after the removal, before the ledger heard of it.
        try removeTree(atPath: slot.path)
    }

    /// A missing folder, a stopped sandbox, or (for an idle slot) a runner that does not answer a ping.
    /// A leased slot's runner may be serving its holder, so only its process is checked.
    public func checkHealth(_ slot: Slot) async -> [String] {
        let layout = SlotLayout(slot: slot.path)
        guard FileManager.default.fileExists(atPath: layout.box) else { return ["\(layout.box) is missing"] }
        guard let record = readRecord(layout) else { return ["no sandbox is recorded in \(layout.record)"] }
        guard await isolation.isRunning(record) else { return ["its sandbox (\(isolation.name)) is not running"] }
        guard slot.state == .idle else { return [] }
        do {
            try await talk(to: layout, connectTimeout: .seconds(2)) { try await $0.ping(timeout: .seconds(2)) }
            return []
        } catch {
            return ["its runner does not answer: \(error)"]
        }
    }

    /// Slot folders the ledger does not know, and running sandboxes whose slot it does not know (their
    /// folder may be gone).
    public func strayResources(
        slotFolder: String,
        knownPaths: @Sendable () async throws -> Set<String>
    ) async throws -> [String] {
        let folders = try folderEntries(slotFolder)
        let running = try await isolation.runningSandboxes(in: slotFolder)
        let known = try await knownPaths()
        return Set(folders + running.keys).subtracting(known).sorted()
    }

    public func removeStray(_ path: String) async throws {
        try await stopSandbox(of: path)
        try removeTree(atPath: path)
    }

    /// Stops the slot's sandbox: the recorded one, or, when there is no record (a crash came between the
    /// start and writing it, or the folder is gone), the one /proc or the engine finds for the path. Only
    /// then is it worth that search: a slot's path is never reused, so it has one sandbox at most.
    private func stopSandbox(of path: String) async throws {
        if let record = readRecord(SlotLayout(slot: path)) {
            try await isolation.stop(record)
        } else if let unrecorded = try await isolation.runningSandboxes(in: parentFolder(of: path))[path] {
            try await isolation.stop(unrecorded)
        }
    }

    /// Connects to the slot's runner, runs `body`, and always closes the connection. Without a token the
    /// executor can only ping.
    private func talk(
        to layout: SlotLayout,
        token: FencingToken? = nil,
        connectTimeout: Duration,
        _ body: (ContainerExecutor) async throws -> Void
    ) async throws {
        let executor =
            token.map { ContainerExecutor(socketPath: layout.socket, token: $0) }
            ?? ContainerExecutor(pingingOnly: layout.socket)
        do {
            try await executor.connect(timeout: connectTimeout)
            try await body(executor)
            await executor.close()
        } catch {
            await executor.close()
            throw error
        }
    }

    func readRecord(_ layout: SlotLayout) -> SandboxRecord? {
        guard let data = FileManager.default.contents(atPath: layout.record) else { return nil }
        return try? JSONDecoder().decode(SandboxRecord.self, from: data)
    }

    private func write(_ record: SandboxRecord, to layout: SlotLayout) throws {
        let data = try JSONEncoder().encode(record)
        try data.write(to: URL(filePath: layout.record), options: .atomic)
    }

    private func parentFolder(of path: String) -> String {
        URL(filePath: path).deletingLastPathComponent().path(percentEncoded: false)
    }

    /// The last lines the runner printed, to explain a sandbox that did not start.
    private func logTail(_ layout: SlotLayout) -> String {
        guard let data = FileManager.default.contents(atPath: layout.log), !data.isEmpty else { return "" }
        let lines = String(decoding: data.suffix(2000), as: UTF8.self).split(separator: "\n").suffix(5)
        return "; its output ended: " + lines.joined(separator: " | ")
    }
}
