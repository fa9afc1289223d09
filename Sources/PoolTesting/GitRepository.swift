public import Foundation
import Glibc
import Synchronization

/// Makes a real git repository at `folder/name` with a few tracked files, an ignored `build/` folder
/// rule, and one commit on branch `main`. Returns its path.
///
/// The repository is a copy of one made once per test process for the same files: hundreds of tests start
/// at once, and three git processes each, waited for on Swift's few cooperative threads, kept every other
/// test from running for a minute on a loaded machine.
@discardableResult
public func makeGitRepository(in folder: URL, name: String = "repo", files: [String: String] = [:]) throws -> URL {
    let contents = files.isEmpty
        ? ["README.md": "# test repository\n", "src/main.txt": "hello\n", ".gitignore": "build/\n"]
        : files
    let repository = folder.appending(path: name, directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: try GitRepositoryTemplates.shared.template(for: contents), to: repository)
    return repository
}

/// The repositories `makeGitRepository` copies, one per set of files, in a folder of this process's own
/// (`shesha-pool-git-templates-<pid>`; those of processes that have ended are removed when it is made).
final class GitRepositoryTemplates: Sendable {
    static let shared = GitRepositoryTemplates()

    private let made = Mutex<[String: URL]>([:])

    func template(for contents: [String: String]) throws -> URL {
        let key = contents.sorted { $0.key < $1.key }.map { "\($0.key)\u{0}\($0.value)" }.joined(separator: "\u{1}")
        return try made.withLock { made in
            if let existing = made[key] { return existing }
            let root = try Self.root()
            let repository = root.appending(path: "repo-\(made.count)", directoryHint: .isDirectory)
            try? FileManager.default.removeItem(at: repository)
            try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
            for (path, text) in contents {
                let file = repository.appending(path: path)
                try FileManager.default.createDirectory(
                    at: file.deletingLastPathComponent(),
                    withIntermediateDirectories: true
                )
                try Data(text.utf8).write(to: file)
            }
            try git(["init", "--quiet", "--initial-branch=main"], in: repository)
            try git(["add", "--all"], in: repository)
            try git(["commit", "--quiet", "--message", "initial"], in: repository)
            made[key] = repository
            return repository
        }
    }

    private static func root() throws -> URL {
        let temporary = FileManager.default.temporaryDirectory
        let prefix = "shesha-pool-git-templates-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path(percentEncoded: false))) ?? []
        where name.hasPrefix(prefix) {
            // A folder of a process that has ended (or of a recycled pid that is not a test: left alone).
            if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: temporary.appending(path: name))
            }
        }
        let root = temporary.appending(path: prefix + String(getpid()), directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }
}

/// Runs git in `folder` with a fixed identity; throws with git's message on failure. Returns stdout.
@discardableResult
public func git(_ arguments: [String], in folder: URL) throws -> String {
    let result = try runToCompletion(
        "/usr/bin/env",
        ["git", "-C", folder.path()] + arguments,
        environment: [
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
        ]
    )
    guard result.status == 0 else {
        throw ChildProcessError.exitedEarly(output: "git \(arguments.joined(separator: " "))", error: result.stderr)
    }
    return result.stdout
}
