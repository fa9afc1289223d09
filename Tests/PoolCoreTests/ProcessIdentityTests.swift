import Foundation
import Glibc
import PoolCore
import Testing

/// (host, boot id, pid, start time): a recycled pid or an earlier boot is never taken for a live owner.
@Suite("Process identity")
struct ProcessIdentityTests {
    @Test("the current identity is this process, and it is running")
    func currentIsRunning() {
        let current = ProcessIdentity.current
        #expect(current.pid == getpid())
        #expect(current.startTime > 0)
        #expect(!current.host.isEmpty)
        #expect(!current.bootID.isEmpty)
        #expect(current.isRunning)
        #expect(ProcessIdentity.running(pid: getpid()) == current)
    }

    @Test("the boot id is the kernel's")
    func bootIDFromKernel() throws {
        let kernel = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
        #expect(ProcessIdentity.current.bootID == kernel.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("the same pid with a later start time (a recycled pid) is not running")
    func recycledPIDIsDead() {
        var recycled = ProcessIdentity.current
        recycled.startTime += 1
        #expect(!recycled.isRunning)
        var earlier = ProcessIdentity.current
        earlier.startTime -= 1
        #expect(!earlier.isRunning)
    }

    @Test("the same pid from another boot of this host is not running")
    func otherBootIsDead() {
        var identity = ProcessIdentity.current
        identity.bootID = "11111111-2222-3333-4444-555555555555"
        #expect(!identity.isRunning)
    }

    @Test("a process on another host cannot be checked and counts as running")
    func otherHostCountsAsRunning() {
        let remote = ProcessIdentity(host: "elsewhere.invalid", bootID: "x", pid: 1, startTime: 1)
        #expect(remote.isRunning)
    }

    @Test("there is no running process for pid 0, a negative pid, or an unused pid")
    func noSuchProcess() {
        #expect(ProcessIdentity.running(pid: 0) == nil)
        #expect(ProcessIdentity.running(pid: -1) == nil)
        #expect(ProcessIdentity.running(pid: Int32.max) == nil)
    }

    @Test("a child that was killed and reaped is no longer running")
    func killedChildIsDead() throws {
        let pid = try spawn("/bin/sleep", "3600")
        let child = try #require(ProcessIdentity.running(pid: pid))
        #expect(child.isRunning)
        #expect(child.pid == pid)
        #expect(child.startTime >= ProcessIdentity.current.startTime)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(!child.isRunning)
        #expect(ProcessIdentity.running(pid: pid) == nil)
    }

    @Test("a child that has exited but is not yet reaped (a zombie) is not running")
    func zombieIsDead() async throws {
        let pid = try spawn("/bin/true")
        defer {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        // Wait for it to exit; its /proc entry stays until it is reaped.
        let deadline = ContinuousClock.now + .seconds(10)
        while ProcessIdentity.running(pid: pid) != nil {
            try #require(ContinuousClock.now < deadline, "the child never exited")
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)/stat"), "the child was reaped by someone")
    }

    /// Starts a child without Foundation's `Process`, which would reap it on its own.
    private func spawn(_ path: String, _ arguments: String...) throws -> pid_t {
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, nil, nil, argv, environ)
        try #require(code == 0, "posix_spawn failed: \(code)")
        return pid
    }
}
