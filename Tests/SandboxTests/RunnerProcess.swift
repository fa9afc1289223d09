import Foundation
import PoolCore
import PoolTesting
import Testing

@testable import Sandbox

/// A REPL runner started as a plain `python3` child process (no isolation) in a temporary slot folder
/// laid out like a real slot (`SlotLayout`), or a fake runner that misbehaves on purpose. Killed when the
/// test's body ends.
struct RunnerProcess {
    let layout: SlotLayout
    let child: ChildProcess

    /// The system Python: an unprivileged user cannot reach one installed under /root.
    static let python =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"

    /// The user the fork-bomb test runs the runner as when the tests run as root, whose process limit the
    /// kernel does not enforce.
    static let unprivilegedUser: uid_t = 65534

    /// Starts the real runner (from the package's resource) with `arguments` in `slot`, as the
    /// unprivileged user when `unprivileged`, and waits for its socket.
    static func start(in slot: URL, arguments: [String] = [], unprivileged: Bool = false) async throws -> RunnerProcess
    {
        let layout = try makeSlot(slot, unprivileged: unprivileged)
        let runner = Data(PackageResources.repl_runner_py)
        try runner.write(to: URL(filePath: layout.runner))
        var command = [python, "-I", layout.runner] + arguments
        if unprivileged {
            let id = String(unprivilegedUser)
            command = ["/usr/bin/setpriv", "--reuid=\(id)", "--regid=\(id)", "--clear-groups"] + command
        }
        return try await launch(command, layout: layout)
    }

    /// Starts a stand-in for the runner that answers every request line as `reply` says and logs the
    /// lines it received to `requests.log` in the box.
    static func startFake(in slot: URL, reply: FakeReply) async throws -> RunnerProcess {
        let layout = try makeSlot(slot, unprivileged: false)
        let script = slot.appending(path: "fake_runner.py")
        try fakeRunnerScript.write(to: script, atomically: true, encoding: .utf8)
        return try await launch([python, "-I", script.path(percentEncoded: false), reply.rawValue], layout: layout)
    }

    /// The token of the first lease: a new runner has seen none, so it accepts any.
    static let firstToken = FencingToken(rawValue: 1)

    /// An executor acting on this runner for the lease with `token`.
    func executor(token: FencingToken = firstToken) -> ContainerExecutor {
        ContainerExecutor(socketPath: layout.socket, token: token)
    }

    /// The lines the fake runner received.
    var receivedRequests: [String] {
        let log = (try? String(contentsOfFile: layout.box + "/requests.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init)
    }

    /// Kills the runner and whatever it started (a leftover child would also keep `Process` from seeing
    /// the runner's exit).
    func stop() async {
        for pid in [child.pid] + Self.descendants(of: child.pid) {
            kill(pid, SIGKILL)
        }
        _ = try? await child.waitForExit()
    }

    private static func descendants(of root: Int32) -> [Int32] {
        var parents: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name),
                let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let fields = stat.split(separator: ")").last?.split(separator: " "),
                fields.count > 1, let parent = Int32(fields[1])
            else { continue }
            parents[pid] = parent
        }
        var found: [Int32] = []
        var frontier = [root]
        while let parent = frontier.popLast() {
            let children = parents.filter { $0.value == parent }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }

    private static func makeSlot(_ slot: URL, unprivileged: Bool) throws -> SlotLayout {
        let layout = SlotLayout(slot: slot.path(percentEncoded: false))
        try FileManager.default.createDirectory(atPath: layout.box, withIntermediateDirectories: true)
        if unprivileged {
            guard chown(layout.box, unprivilegedUser, unprivilegedUser) == 0 else {
                throw RunnerProcessError.setup("chown \(layout.box): \(String(cString: strerror(errno)))")
            }
        }
        return layout
    }

    private static func launch(_ command: [String], layout: SlotLayout) async throws -> RunnerProcess {
        let child = try ChildProcess(
            executable: URL(filePath: "/usr/bin/env"),
            arguments: command,
            currentDirectory: URL(filePath: layout.box),
            outputFolder: URL(filePath: layout.slot)
        )
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: layout.socket) {
            guard child.isRunning, ContinuousClock.now < deadline else {
                child.kill(signal: SIGKILL)
                throw RunnerProcessError.setup("the runner did not bind \(layout.socket); stderr: \(child.stderr)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return RunnerProcess(layout: layout, child: child)
    }
}

/// Runs `body` with a real runner in a fresh temporary folder; stops the runner and removes the folder
/// afterwards. `slotName` may be long, to test paths longer than `sun_path`.
func withRunner<R>(
    arguments: [String] = [],
    unprivileged: Bool = false,
    slotName: String = "slot",
    _ body: (RunnerProcess) async throws -> R
) async throws -> R {
    try await withStartedRunner(body) { folder in
        try await RunnerProcess.start(in: folder.appending(path: slotName), arguments: arguments, unprivileged: unprivileged)
    }
}

/// Runs `body` with a fake runner that answers every request as `reply` says.
func withFakeRunner<R>(reply: FakeReply, _ body: (RunnerProcess) async throws -> R) async throws -> R {
    try await withStartedRunner(body) { folder in
        try await RunnerProcess.startFake(in: folder.appending(path: "slot"), reply: reply)
    }
}

/// Starts a runner in a fresh temporary folder, runs `body`, and stops the runner whatever happens.
private func withStartedRunner<R>(
    _ body: (RunnerProcess) async throws -> R,
    start: (URL) async throws -> RunnerProcess
) async throws -> R {
    try await withTemporaryFolder { folder in
        let runner = try await start(folder)
        do {
            let result = try await body(runner)
            await runner.stop()
            return result
        } catch {
            await runner.stop()
            throw error
        }
    }
}

/// How the fake runner answers each request line.
enum FakeReply: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case invalidJSON = "invalid-json"
    case invalidUTF8 = "invalid-utf8"
    case missingType = "missing-type"
    case resultMissingField = "result-missing-field"
    /// A "pong" whatever was asked.
    case wrongType = "wrong-type"
    /// 11 MiB without a newline.
    case endlessLine = "endless-line"
    /// Nothing at all, with the connection left open.
    case silence

    var testDescription: String { rawValue }
}

enum RunnerProcessError: Error, CustomStringConvertible {
    case setup(String)

    var description: String {
        switch self {
        case .setup(let message): message
        }
    }
}

private let fakeRunnerScript = #"""
    import os, socket, sys

    reply = sys.argv[1]
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "box"))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("repl.sock")
    server.listen(8)
    log = open("requests.log", "ab", buffering=0)
    answers = {
        "invalid-json": b'{"type": "pong",\n',
        "invalid-utf8": b'{"type": "\xff\xfe"}\n',
        "missing-type": b'{"kind": "pong"}\n',
        "wrong-type": b'{"type": "pong"}\n',
        "result-missing-field": b'{"type": "result", "status": "ok", "stdout": "", "stderr": "", "error": null, '
            b'"final_answer": null, "final_var": null, "final_value": null, "limit_hit": false}\n',
    }
    while True:
        connection, _ = server.accept()
        try:
            for line in connection.makefile("rb"):
                log.write(line)
                if reply == "endless-line":
                    for _ in range(11 * 16):
                        connection.sendall(b"x" * 65536)
                elif reply in answers:
                    connection.sendall(answers[reply])
        except OSError:
            pass
        finally:
            connection.close()
    """#
