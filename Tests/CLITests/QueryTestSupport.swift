import Foundation
import PoolTesting

/// A model reply that runs `code` in one ```repl block.
func replyRunning(_ code: String) -> ScriptedReply {
    .completion("```repl\n\(code)\n```")
}

extension CLIFixture {
    /// Writes a document into the fixture's folder and returns its path.
    func document(_ name: String, _ text: String) throws -> String {
        let url = folder.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path(percentEncoded: false)
    }

    /// The temporary folder a query's own sandbox goes in (others must be able to enter it: as root the
    /// sandbox runs unprivileged).
    func sandboxTemp() throws -> String {
        let path = folder.appending(path: "tmp").path(percentEncoded: false)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
