/// The files of one container slot. The sandbox sees only `runner` (read-only) and `box` (writable).
public struct SlotLayout: Hashable, Sendable {
    public var slot: String

    public init(slot: String) {
        self.slot = slot
    }

    /// The REPL runner, copied from the package's resource.
    public var runner: String { slot + "/" + Self.runnerFileName }
    /// The only folder the sandbox may write; the runner's working folder.
    public var box: String { slot + "/box" }
    /// The runner's socket, bound by the relative name `socketFileName` inside `box`.
    public var socket: String { box + "/" + Self.socketFileName }
    /// The host's record of the running sandbox.
    public var record: String { slot + "/sandbox.json" }
    /// The runner's own output.
    public var log: String { slot + "/sandbox.log" }

    public static let runnerFileName = "repl_runner.py"
    public static let socketFileName = "repl.sock"
    /// Where the runner and the box appear inside bwrap and container sandboxes.
    public static let runnerInside = "/opt/shesha/repl_runner.py"
    public static let boxInside = "/box"
}
