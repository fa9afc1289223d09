public import Foundation

/// The limits a sandbox runs under. `nil` means the backend's default (none for `process`).
public struct SandboxLimits: Codable, Hashable, Sendable {
    /// Address-space (bwrap, process) or cgroup memory (podman, docker) limit, in bytes.
    public var memoryBytes: Int64?
    /// The most processes (or threads) inside the sandbox.
    public var pids: Int?
    /// CPU share for podman and docker (`--cpus`); bwrap has no rate limit and ignores it.
    public var cpus: Double?

    public init(memoryBytes: Int64? = nil, pids: Int? = nil, cpus: Double? = nil) {
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.cpus = cpus
    }
}

/// What a backend needs to start one slot's sandbox.
public struct SandboxSpec: Sendable {
    /// The slot folder (host side); see `SlotLayout` for what is inside.
    public var layout: SlotLayout
    public var limits: SandboxLimits
    /// The container image (podman, docker).
    public var image: String?

    public init(layout: SlotLayout, limits: SandboxLimits, image: String? = nil) {
        self.layout = layout
        self.limits = limits
        self.image = image
    }
}

/// The host's record of a running sandbox, kept in `<slot>/sandbox.json`, where the sandbox cannot write,
/// so that any process can stop it later.
public struct SandboxRecord: Codable, Hashable, Sendable {
    public var backend: String
    /// The process the host started (bwrap, the runner itself, or the engine CLI), and its start time in
    /// clock ticks since boot, so a recycled pid is never killed.
    public var pid: Int32
    public var startTime: Int64
    /// The sandbox's own init process (bwrap's pid-namespace init); killing it takes the namespace down.
    public var innerPid: Int32?
    public var innerStartTime: Int64?
    /// The container's name (podman, docker).
    public var containerName: String?

    public init(
        backend: String, pid: Int32, startTime: Int64, innerPid: Int32? = nil, innerStartTime: Int64? = nil,
        containerName: String? = nil
    ) {
        self.backend = backend
        self.pid = pid
        self.startTime = startTime
        self.innerPid = innerPid
        self.innerStartTime = innerStartTime
        self.containerName = containerName
    }
}

/// One way to isolate the REPL runner: bubblewrap, a container engine, or none.
public protocol SandboxIsolation: Sendable {
    /// The backend's name as `init container --backend` takes it.
    var name: String { get }
    /// Throws `SandboxUnavailable` when the tool it needs is missing or cannot run here.
    func checkAvailable() async throws
    /// Starts the runner for `spec` in the background, detached from the calling process (it must outlive
    /// it), and returns the record to keep. Does not wait for the socket: the caller pings it.
    func start(_ spec: SandboxSpec) async throws -> SandboxRecord
    /// Stops the sandbox and everything in it. Succeeds if it is already gone.
    func stop(_ record: SandboxRecord) async throws
    /// Whether the sandbox still runs.
    func isRunning(_ record: SandboxRecord) async -> Bool
    /// Running sandboxes of this backend whose slot lies in `slotFolder`, by slot path, found without the
    /// ledger or the slot folders (which may be gone): for removing orphans.
    func runningSandboxes(in slotFolder: String) async throws -> [String: SandboxRecord]
}

/// A backend's tool is missing or cannot run here (exit 69).
public struct SandboxUnavailable: Error, CustomStringConvertible, LocalizedError {
    public var backend: String
    public var reason: String
    /// What to do, e.g. "install it with: sudo apt-get install bubblewrap".
    public var advice: String

    public init(backend: String, reason: String, advice: String) {
        self.backend = backend
        self.reason = reason
        self.advice = advice
    }

    public var description: String { "the \(backend) backend cannot run: \(reason); \(advice)" }
    public var errorDescription: String? { description }
}
