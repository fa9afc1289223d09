import Foundation
import Glibc
import PoolCore
import Worktrees

/// Where one torture run keeps everything: the repository, the pool's slots, the database and the logs.
/// `check` finds all it needs here, so a finished run can be checked again.
struct WorkFolder {
    static let poolName = "torture"

    let root: String

    var repository: String { root + "/repo" }
    var slots: String { root + "/slots" }
    var database: String { root + "/pool.db" }
    var logs: String { root + "/logs" }
    /// The orchestrator's own log: kills, holder exits, maintenance runs.
    var orchestratorLog: String { logs + "/orchestrator.log" }

    init(_ path: String) {
        root = URL(filePath: path).standardizedFileURL.path(percentEncoded: false)
            .trimmingSuffix("/")
    }

    func holderLog(_ number: Int) -> String { logs + "/holder-\(String(format: "%04d", number)).log" }

    /// Tenures that ran to END in the logs of holders 1 through `number`.
    func completedTenures(upTo number: Int) -> Int {
        guard number >= 1 else { return 0 }
        return (1...number).reduce(0) { total, holder in
            total + TenureLog.read(holderLog(holder)).filter { $0.first == "END" }.count
        }
    }

    /// Makes the folder (which must be new or empty), a deterministic repository of `files` files with an
    /// ignored `build/` folder, and the logs folder.
    func create(repositoryFiles files: Int) throws {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: root), !entries.isEmpty {
            throw TortureError.usage("the work folder \(root) is not empty; pass a new or empty --work folder")
        }
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
        try Data("build/\n".utf8).write(to: URL(filePath: repository + "/.gitignore"))
        for index in 0..<files {
            let folder = repository + "/module\(index % 10)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data("file \(index)\n\(String(repeating: "line \(index)\n", count: 20))".utf8)
                .write(to: URL(filePath: folder + "/file\(index).txt"))
        }
        try git(["init", "--quiet", "--initial-branch=main"])
        try git(["add", "--all"])
        try git(["commit", "--quiet", "--message", "torture repository"])
    }

    /// A tracked file of the repository, for holders to change.
    static func trackedFile(_ index: Int) -> String { "module\(index % 10)/file\(index).txt" }

    private func git(_ arguments: [String]) throws {
        guard let git = CommandRunner.find("git") else { throw TortureError.setup("git is not on PATH") }
        let identity = [
            "GIT_AUTHOR_NAME": "Torture", "GIT_AUTHOR_EMAIL": "torture@example.invalid",
            "GIT_COMMITTER_NAME": "Torture", "GIT_COMMITTER_EMAIL": "torture@example.invalid",
            "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
        ]
        for (name, value) in identity { setenv(name, value, 1) }
        let result = try runToEnd(git, ["-C", repository] + arguments, label: "git", outputFolder: logs)
        guard result.status == 0 else {
            throw TortureError.setup("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.count > 1 && text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
