import Foundation
import Glibc

/// An append-only log of space-separated lines, independent of the database: each line is one write(2)
/// to a file opened with O_APPEND, so a line is never torn by a kill and lines from a killed process
/// stay on disk.
///
/// Holder logs (one per holder process):
///
///     BEGIN path token ns       marker created, tenure starts
///     END path token ns         tenure ends (marker removed next, then release)
///     ABANDON path token ns     the holder exits at once, neither removing its marker nor releasing
///     CLASH path token ns errno the marker could not be created: someone else is (or was) in the slot
///     UNCLEAN path token ns files  the slot still held files an earlier holder left
///     LOST path token ns errno  the holder's marker vanished while it held the slot
///     RELEASE-LOST path token ns   release said the lease was lost, though the holder was alive
///     ERROR ns message...       an operation failed (e.g. a wait timed out)
///
/// The orchestrator's log:
///
///     KILL holder|maintenance number ns     a SIGKILL from the killer, ns taken just before it
///     STOP holder|maintenance number ns     the same at the end of the run (not a fault)
///     EXIT holder number status ns          a holder ended by itself
///     MAINT number command status ns [stderr's first line]   a maintenance command ended by itself
final class TenureLog {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TortureError.setup("cannot open log \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(descriptor)
    }

    func append(_ words: [String]) {
        let line = Array((words.joined(separator: " ") + "\n").utf8)
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// The lines of a log, split into words; a missing file reads as empty.
    static func read(_ path: String) -> [[String]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }
}
