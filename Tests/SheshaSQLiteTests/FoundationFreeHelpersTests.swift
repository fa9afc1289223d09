import Foundation
import Glibc
import PoolTesting
import SheshaSystem
import Synchronization
import Testing

/// The helpers that stand in for Foundation's `Thread`, `FileHandle`, `NSString` paths and
/// `trimmingCharacters(in:)`, so that commands link only FoundationEssentials.
@Suite("Foundation-free helpers")
struct FoundationFreeHelpersTests {
    @Test(
        "parentFolder and lastPathComponent split paths as NSString's path methods do",
        arguments: [
            ("/a/b/c", "/a/b", "c"), ("/a/b/", "/a", "b"), ("/a", "/", "a"), ("/", "/", "/"), ("a", "", "a"),
            ("a/b", "a", "b"),
        ]
    )
    func pathParts(path: String, parent: String, last: String) {
        #expect(parentFolder(of: path) == parent)
        #expect(lastPathComponent(of: path) == last)
    }

    @Test("trimmingWhitespace drops spaces, tabs and newlines at both ends only")
    func trimming() {
        #expect("  a b \n".trimmingWhitespace() == "a b")
        #expect("\t\r\n".trimmingWhitespace() == "")
        #expect("x".trimmingWhitespace() == "x")
        #expect(" x\ny ".dropFirst(0).trimmingWhitespace() == "x\ny")
    }

    @Test("isFolder is true for a folder only")
    func folders() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.appending(path: "file").path(percentEncoded: false)
            try Data("x".utf8).write(to: URL(filePath: file))
            #expect(isFolder(folder.path(percentEncoded: false)))
            #expect(!isFolder(file))
            #expect(!isFolder(file + "-missing"))
        }
    }

    @Test("readToEnd reads a pipe to its end, past one buffer's worth")
    func readsToEnd() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let sent = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        let writer = ends[1]
        // A writer of its own: the pipe holds less than what is sent.
        try startDetachedThread {
            sent.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(writer, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(writer)
        }
        #expect(try readToEnd(fileDescriptor: ends[0]) == sent)
    }

    @Test("a thread the system cannot make is a SystemError naming pthread_create, and its body never runs")
    func threadThatCannotStart() throws {
        let ran = Mutex(false)
        // A stack larger than the address space: pthread_create cannot map it.
        #expect(throws: SystemError(call: "pthread_create", code: EAGAIN)) {
            try startDetachedThread(stackSize: Int.max / 2) { ran.withLock { $0 = true } }
        }
        #expect(ran.withLock { $0 } == false)
    }

    @Test("readToEnd names the call and path that failed")
    func readFailure() {
        #expect(throws: SystemError(call: "read", path: "closed", code: EBADF)) {
            try readToEnd(fileDescriptor: -1, path: "closed")
        }
    }
}
