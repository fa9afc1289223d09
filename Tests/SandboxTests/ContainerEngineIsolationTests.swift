import Foundation
import PoolCore
import PoolTesting
import Testing

@testable import Sandbox

/// Real podman sandboxes running the real runner, reached over their socket from the host.
@Suite("podman isolation")
struct ContainerEngineIsolationTests {
    @Test("a missing engine is unavailable, with how to install it")
    func missingEngine() async throws {
        let isolation = ContainerEngineIsolation(engine: "no-such-engine-shesha")
        let error = try await #require(throws: SandboxUnavailable.self) { try await isolation.checkAvailable() }
        #expect(error.advice.contains("apt-get install podman runc"))
        let docker = ContainerEngineIsolation(engine: "/nonexistent/docker")
        let dockerError = try await #require(throws: SandboxUnavailable.self) { try await docker.checkAvailable() }
        #expect(dockerError.advice.contains("Docker Engine"))
    }

    @Test("container names are the same for a slot in every process, valid, and differ between slots")
    func containerNames() {
        let name = ContainerEngineIsolation.containerName(forSlot: "/var/tmp/pools/sandbox pool/slot:7")
        #expect(name == ContainerEngineIsolation.containerName(forSlot: "/var/tmp/pools/sandbox pool/slot:7"))
        #expect(name.hasPrefix("shesha-slot-7-"))
        #expect(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        #expect(name != ContainerEngineIsolation.containerName(forSlot: "/var/tmp/pools/other/slot:7"))
    }

    // The condition makes the image once; when podman cannot run, PodmanProbe prints why to stderr.
    @Test(
        "podman is available once the image exists, and a missing image says how to make it",
        .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)")
    )
    func availability() async throws {
        try await PodmanProbe.isolation.checkAvailable()
        var missing = PodmanProbe.isolation
        missing.image = "localhost/shesha-no-such-image:latest"
        let error = try await #require(throws: SandboxUnavailable.self) { try await missing.checkAvailable() }
        #expect(error.advice.contains("scripts/make-python-image.sh"))
    }

    @Test(
        "the host talks to the runner over the socket in the box",
        .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)")
    )
    func ping() async throws {
        try await withPodmanSandbox { _, _, client in
            #expect(try client.request(["type": "ping"])["type"] as? String == "pong")
            // The namespace persists across connections.
            _ = try client.request(["type": "execute", "code": "kept = 41", "token": 1])
        } then: { layout in
            let again = try await ReplClient.connect(to: layout.socket)
            let result = try again.request(["type": "execute", "code": "kept + 1", "token": 1])
            #expect(result["value"] as? String == "42")
        }
    }

    @Test(
        "inside: no network, a read-only system, nobody's uid, and only /box and /tmp writable",
        .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)")
    )
    func confinement() async throws {
        try await withPodmanSandbox { layout, _, client in
            let code = """
                import os, socket
                def attempt(action):
                    try:
                        action()
                        return "ok"
                    except OSError as error:
                        return str(error.errno)
                def write(path):
                    with open(path, "w") as file:
                        file.write("x")
                print(attempt(lambda: socket.create_connection(("1.1.1.1", 53), timeout=5)))
                print(attempt(lambda: write("/etc/escaped")))
                print(attempt(lambda: write("/opt/shesha/escaped")))
                print(attempt(lambda: write("/box/made-inside")))
                print(attempt(lambda: write("/tmp/scratch")))
                print(os.getuid(), os.getgid())
                """
            let result = try client.request(["type": "execute", "code": code, "token": 1])
            #expect(result["status"] as? String == "ok")
            let lines = (result["stdout"] as? String ?? "").split(separator: "\n").map(String.init)
            #expect(lines == ["\(ENETUNREACH)", "\(EROFS)", "\(EROFS)", "ok", "ok", "65534 65534"])
            #expect(FileManager.default.fileExists(atPath: layout.box + "/made-inside"))
        }
    }

    @Test(
        "the cgroup process limit stops a fork loop, and the runner reports the limit",
        .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)")
    )
    func processLimit() async throws {
        try await withPodmanSandbox(limits: SandboxLimits(pids: 16)) { _, _, client in
            let code = """
                import os, time
                for _ in range(64):
                    if os.fork() == 0:
                        time.sleep(600)
                        os._exit(0)
                """
            let result = try client.request(["type": "execute", "code": code, "token": 1])
            #expect(result["status"] as? String == "error")
            #expect(result["limit_hit"] as? Bool == true)
        }
    }

    @Test(
        "stop removes the container, and it is no longer listed or running",
        .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)")
    )
    func stopRemoves() async throws {
        try await withTemporaryFolder { folder in
            let pools = folder.path
            let layout = try PodmanProbe.makeSlot(in: pools, named: "slot-1")
            let isolation = PodmanProbe.isolation
            let record = try await isolation.start(SandboxSpec(layout: layout, limits: SandboxLimits()))
            let listed = try await isolation.runningSandboxes(in: pools)
            #expect(listed[layout.slot]?.containerName == record.containerName)
            #expect(try await isolation.runningSandboxes(in: pools + "/elsewhere").isEmpty)
            #expect(await isolation.isRunning(record))

            try await isolation.stop(record)
            #expect(!(await isolation.isRunning(record)))
            #expect(try await isolation.runningSandboxes(in: pools)[layout.slot] == nil)
            // Stopping what is already gone succeeds.
            try await isolation.stop(record)
        }
    }

    @Test(
        "starting a slot again replaces the container an earlier start left behind",
        .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)")
    )
    func restartReplaces() async throws {
        try await withTemporaryFolder { folder in
            let layout = try PodmanProbe.makeSlot(in: folder.path, named: "slot")
            let isolation = PodmanProbe.isolation
            let first = try await isolation.start(SandboxSpec(layout: layout, limits: SandboxLimits()))
            let second = try await isolation.start(SandboxSpec(layout: layout, limits: SandboxLimits()))
            #expect(second.containerName == first.containerName)
            #expect(second.pid != first.pid)
            #expect(try await isolation.runningSandboxes(in: folder.path).count == 1)
            let client = try await ReplClient.connect(to: layout.socket)
            #expect(try client.request(["type": "ping"])["type"] as? String == "pong")
            try await isolation.stop(second)
        }
    }

    @Test("both engines' container listings are read: podman's array and docker's lines")
    func listingFormats() throws {
        let podman =
            #"[{"Id":"1","Names":["shesha-a"],"Labels":{"shesha-pool.slot":"/p/a"}},{"Names":["x"],"Labels":null}]"#
        let docker =
            #"{"ID":"1","Names":"shesha-b","Labels":"other=1,shesha-pool.slot=/p/b"}"# + "\n"
            + #"{"ID":"2","Names":"y","Labels":""}"#
        let fromPodman = try EngineContainer.decodeList(podman)
        #expect(fromPodman.map(\.names) == [["shesha-a"], ["x"]])
        #expect(fromPodman[0].labels == ["shesha-pool.slot": "/p/a"])
        let fromDocker = try EngineContainer.decodeList(docker)
        #expect(fromDocker.map(\.names) == [["shesha-b"], ["y"]])
        #expect(fromDocker[0].labels["shesha-pool.slot"] == "/p/b")
        #expect(try EngineContainer.decodeList("\n").isEmpty)
    }

    /// Starts a sandbox in a fresh slot, connects once it listens, runs `body`, and then `then` with a
    /// second connection; the container is removed on every path.
    private func withPodmanSandbox(
        limits: SandboxLimits = SandboxLimits(),
        _ body: (SlotLayout, SandboxRecord, ReplClient) async throws -> Void,
        then: ((SlotLayout) async throws -> Void)? = nil
    ) async throws {
        try await withTemporaryFolder { folder in
            let layout = try PodmanProbe.makeSlot(in: folder.path, named: "slot")
            let isolation = PodmanProbe.isolation
            let record = try await isolation.start(SandboxSpec(layout: layout, limits: limits))
            do {
                let client = try await ReplClient.connect(to: layout.socket)
                try await body(layout, record, client)
                client.close()
                try await then?(layout)
            } catch {
                try? await isolation.stop(record)
                throw error
            }
            try await isolation.stop(record)
        }
    }
}

/// Podman sandboxes for the tests, usable when `PodmanImage` could make the image.
enum PodmanProbe {
    static let image = PodmanImage.name
    static let isolation = ContainerEngineIsolation(engine: "podman", image: image)

    static var isUsable: Bool { PodmanImage.isUsable }

    /// A slot folder with the real runner and an empty box, as the pool lays it out.
    static func makeSlot(in folder: String, named name: String) throws -> SlotLayout {
        let layout = SlotLayout(slot: folder + "/" + name)
        try FileManager.default.createDirectory(atPath: layout.box, withIntermediateDirectories: true)
        try Data(PackageResources.repl_runner_py).write(to: URL(filePath: layout.runner))
        return layout
    }
}

/// A plain Unix-socket client speaking the runner's newline-delimited JSON.
final class ReplClient {
    private let descriptor: Int32
    private var buffered: [UInt8] = []
    private var isOpen = true

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Connects once the runner listens, retrying while it starts (up to a minute).
    static func connect(to path: String) async throws -> ReplClient {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw ClientError("socket: errno \(errno)") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                buffer.copyBytes(from: path.utf8.prefix(buffer.count - 1))
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if connected == 0 {
                // A runner that stops answering fails the test instead of hanging it.
                var timeout = timeval(tv_sec: 60, tv_usec: 0)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                return ReplClient(descriptor: descriptor)
            }
            let failure = errno
            Foundation.close(descriptor)
            guard ContinuousClock.now < deadline else {
                throw ClientError("no runner listens on \(path) after a minute (errno \(failure))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends one request and returns the reply (one JSON object).
    func request(_ message: [String: Any]) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: message)
        line.append(UInt8(ascii: "\n"))
        try line.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let count = send(descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                guard count > 0 else { throw ClientError("send: errno \(errno)") }
                sent += count
            }
        }
        while !buffered.contains(UInt8(ascii: "\n")) {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { throw ClientError("the runner closed the connection or timed out (errno \(errno))") }
            buffered += chunk.prefix(count)
        }
        let end = buffered.firstIndex(of: UInt8(ascii: "\n"))!  // the loop above ends only once there is one
        let reply = Data(buffered[..<end])
        buffered.removeSubrange(...end)
        guard let object = try JSONSerialization.jsonObject(with: reply) as? [String: Any] else {
            throw ClientError("the reply is not a JSON object: \(String(decoding: reply, as: UTF8.self))")
        }
        return object
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        Foundation.close(descriptor)
    }

    deinit {
        close()
    }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
