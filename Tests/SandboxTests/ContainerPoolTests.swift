import Foundation
import PoolCore
import PoolTesting
import Sandbox
import Testing

/// The container pool's core behaviour, checked on each backend that isolates: bubblewrap here
/// (scripts/install-deps.sh installs it) and podman in `PodmanContainerPoolTests`.
struct ContainerPoolChecks {
    let backend: IsolationKind
    let image: String?
    /// The uid code runs as inside the sandbox.
    let uidInside: Int

    static let bwrap = ContainerPoolChecks(backend: .bwrap, image: nil, uidInside: 1000)
    static let podman = ContainerPoolChecks(backend: .podman, image: PodmanProbe.image, uidInside: 65534)

    func withSandboxPool<R>(
        limits: SandboxLimits = ContainerConfig.defaultLimits,
        _ body: (SandboxPoolFixture) async throws -> R
    ) async throws -> R {
        try await withContainerPool(backend: backend, image: image, limits: limits, body)
    }

    func namesPersistWithinLease() async throws {
        try await self.withSandboxPool { fixture in
            try await fixture.containers.withExecutor(holder: "t") { executor in
                let first = await executor.execute(code: "x = 40\nprint('set')", timeout: .seconds(10))
                #expect(first.status == .ok)
                #expect(first.stdout == "set\n")
                let second = await executor.execute(code: "x + 2", timeout: .seconds(10))
                #expect(second.value == "42")
            }
        }
    }

    func releaseResets() async throws {
        try await self.withSandboxPool { fixture in
            let firstPath = try await fixture.containers.withExecutor(holder: "a") { executor in
                let result = await executor.execute(
                    code: "secret = 'a'\nopen('/box/left-behind', 'w').write('a')", timeout: .seconds(10)
                )
                #expect(result.status == .ok)
                return try #require(try await fixture.slots().first).path
            }
            try await fixture.containers.withExecutor(holder: "b") { executor in
                let result = await executor.execute(
                    code: "import os\nprint('secret' in globals(), os.listdir('/box'))", timeout: .seconds(10)
                )
                #expect(result.stdout == "False ['repl.sock']\n")
            }
            let slots = try await fixture.slots()
            #expect(slots.count == 1, "the second holder got the warm sandbox, not a new one")
            #expect(slots.first?.path == firstPath)
            #expect(slots.first?.useCount == 2)
        }
    }

    func llmQueryRoundTrip() async throws {
        try await self.withSandboxPool { fixture in
            try await fixture.containers.withExecutor(holder: "t") { executor in
                await executor.setLLMQueryHandler { instruction, content in
                    "\(instruction.uppercased()):\(content.count)"
                }
                let result = await executor.execute(
                    code: "answer = llm_query('count', 'abcde')\nFINAL(answer)", timeout: .seconds(10)
                )
                #expect(result.status == .ok)
                #expect(result.finalAnswer == "COUNT:5")
            }
        }
    }

    func networkUnreachable() async throws {
        try await self.withSandboxPool { fixture in
            try await fixture.containers.withExecutor(holder: "t") { executor in
                let result = await executor.execute(
                    code: """
                        import socket
                        try:
                            socket.create_connection(('1.1.1.1', 53), timeout=3)
                            print('connected')
                        except OSError as error:
                            print('refused', error.errno)
                        print(sorted(name for _, name in socket.if_nameindex()))
                        """,
                    timeout: .seconds(10)
                )
                #expect(result.stdout.hasPrefix("refused"))
                #expect(result.stdout.hasSuffix("['lo']\n"), "only a loopback interface: \(result.stdout)")
            }
        }
    }

    func writesStayInTheBox() async throws {
        try await self.withSandboxPool { fixture in
            let marker = "shesha-sandbox-\(UUID().uuidString)"
            try await fixture.containers.withExecutor(holder: "t") { executor in
                let result = await executor.execute(
                    code: """
                        import os
                        for path in ['/usr/evil', '/etc/evil', '/evil', '/opt/shesha/repl_runner.py']:
                            try:
                                open(path, 'w').write('x')
                                print('wrote', path)
                            except OSError as error:
                                print('refused', path)
                        open('/tmp/\(marker)', 'w').write('x')
                        open('/box/kept', 'w').write('kept')
                        print(os.getuid())
                        """,
                    timeout: .seconds(10)
                )
                #expect(!result.stdout.contains("wrote"), "\(result.stdout)")
                #expect(result.stdout.hasSuffix("\(uidInside)\n"))
                let lease = try #require(try await fixture.ledger.lease(pool: fixture.pool.name, holder: "t"))
                #expect(FileManager.default.contents(atPath: lease.path + "/box/kept") == Data("kept".utf8))
            }
            #expect(!FileManager.default.fileExists(atPath: "/tmp/\(marker)"))
        }
    }

    func memoryHogDiscarded() async throws {
        try await self.withSandboxPool(limits: SandboxLimits(memoryBytes: 256 << 20, pids: 64)) { fixture in
            let result = try await fixture.containers.withExecutor(holder: "t") { executor in
                await executor.execute(code: "hog = bytearray(1 << 30)", timeout: .seconds(20))
            }
            #expect(result.limitHit)
            #expect(result.error?.type == "MemoryError")
            try await expectDiscarded(fixture)
        }
    }

    func forkBombDiscarded() async throws {
        try await self.withSandboxPool(limits: SandboxLimits(memoryBytes: 512 << 20, pids: 32)) { fixture in
            let result = try await fixture.containers.withExecutor(holder: "t") { executor in
                await executor.execute(
                    code: """
                        import os, time
                        while True:
                            if os.fork() == 0:
                                time.sleep(60)
                        """,
                    timeout: .seconds(20)
                )
            }
            #expect(result.limitHit)
            try await expectDiscarded(fixture)
        }
    }

    func oversizedOutputDiscarded() async throws {
        try await self.withSandboxPool { fixture in
            let result = try await fixture.containers.withExecutor(holder: "t") { executor in
                await executor.execute(code: "print('x' * (2 << 20))", timeout: .seconds(20))
            }
            #expect(result.status == .error)
            #expect(result.failure != nil)
            try await expectDiscarded(fixture)
        }
    }

    /// Code that finds the runner's connection and writes garbage to it before the runner's own reply.
    func malformedOutputDiscarded() async throws {
        for garbage in [#"b'not json\n'"#, #"b'\xff\xfe\n'"#, #"b'{"no_type": 1}\n'"#] {
            try await self.withSandboxPool { fixture in
                let result = try await fixture.containers.withExecutor(holder: "t") { executor in
                    await executor.execute(
                        code: """
                            import os, socket, stat
                            for name in os.listdir('/proc/self/fd'):
                                fd = int(name)
                                try:
                                    if stat.S_ISSOCK(os.fstat(fd).st_mode) and socket.socket(fileno=os.dup(fd)).getpeername() == '':
                                        os.write(fd, \(garbage))
                                except OSError:
                                    pass
                            """,
                        timeout: .seconds(10)
                    )
                }
                #expect(result.failure != nil, "\(garbage): \(result)")
                try await expectDiscarded(fixture)
            }
        }
    }

    func timeoutDiscarded() async throws {
        try await self.withSandboxPool { fixture in
            let result = try await fixture.containers.withExecutor(holder: "t") { executor in
                await executor.execute(code: "import time\ntime.sleep(60)", timeout: .seconds(1))
            }
            #expect(result.failure != nil)
            try await expectDiscarded(fixture)
        }
    }

    func stopRemovesEverything() async throws {
        try await self.withSandboxPool { fixture in
            _ = try await fixture.pool.expand(by: 2)
            #expect(try await fixture.runningSandboxes().count == 2)
            let report = try await fixture.containers.stop()
            #expect(report.removed.count == 2)
            #expect(try await fixture.runningSandboxes().isEmpty)
            #expect(try await fixture.slots().isEmpty)
            #expect(listing(fixture.slotFolder).isEmpty)
        }
    }

    /// The pool holds no slot, no folder and no running sandbox: the sandbox was destroyed, not pooled.
    private func expectDiscarded(_ fixture: SandboxPoolFixture, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await fixture.slots().isEmpty, sourceLocation: sourceLocation)
        #expect(try await fixture.runningSandboxes().isEmpty, sourceLocation: sourceLocation)
        #expect(listing(fixture.slotFolder).isEmpty, sourceLocation: sourceLocation)
    }
}

/// The names in a folder; none when it does not exist.
func listing(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}

/// One core check of `ContainerPoolChecks`, named for the test report.
enum ContainerPoolCheck: String, CaseIterable, CustomTestStringConvertible {
    case namesPersistWithinLease = "code runs, and its names persist within a lease"
    case releaseResets = "release resets the namespace and the box; the warm sandbox serves the next holder"
    case llmQueryRoundTrip = "llm_query reaches the host's handler and its answer comes back into the code"
    case networkUnreachable = "the network is unreachable from a sandbox"
    case writesStayInTheBox = "writing outside the slot's box fails, and the sandbox's /tmp is its own"
    case memoryHogDiscarded = "a memory hog hits the limit, and its sandbox is discarded"
    case forkBombDiscarded = "a fork bomb hits the process limit, and its sandbox is discarded with every process in it"
    case oversizedOutputDiscarded = "output over the line limit is a protocol error, and the sandbox is discarded"
    case malformedOutputDiscarded = "garbage written to the runner's socket is a protocol error, and the sandbox is discarded"
    case timeoutDiscarded = "code past its timeout ends the call with an error, and the sandbox is discarded"
    case stopRemovesEverything = "stop removes every idle sandbox and its processes"

    var testDescription: String { rawValue }

    func run(_ checks: ContainerPoolChecks) async throws {
        switch self {
        case .namesPersistWithinLease: try await checks.namesPersistWithinLease()
        case .releaseResets: try await checks.releaseResets()
        case .llmQueryRoundTrip: try await checks.llmQueryRoundTrip()
        case .networkUnreachable: try await checks.networkUnreachable()
        case .writesStayInTheBox: try await checks.writesStayInTheBox()
        case .memoryHogDiscarded: try await checks.memoryHogDiscarded()
        case .forkBombDiscarded: try await checks.forkBombDiscarded()
        case .oversizedOutputDiscarded: try await checks.oversizedOutputDiscarded()
        case .malformedOutputDiscarded: try await checks.malformedOutputDiscarded()
        case .timeoutDiscarded: try await checks.timeoutDiscarded()
        case .stopRemovesEverything: try await checks.stopRemovesEverything()
        }
    }
}

@Suite("Container pool on bubblewrap")
struct BwrapContainerPoolTests {
    @Test(arguments: ContainerPoolCheck.allCases)
    func check(_ check: ContainerPoolCheck) async throws {
        try await check.run(.bwrap)
    }
}

// When podman cannot run here, PodmanProbe prints why to stderr and the suite is skipped.
@Suite("Container pool on podman", .enabled(if: PodmanProbe.isUsable, "podman cannot run here (PodmanProbe printed why)"))
struct PodmanContainerPoolTests {
    @Test(arguments: ContainerPoolCheck.allCases)
    func check(_ check: ContainerPoolCheck) async throws {
        try await check.run(.podman)
    }
}
