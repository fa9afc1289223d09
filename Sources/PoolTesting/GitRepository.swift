public import Foundation

/// Makes a real git repository at `folder/name` with a few tracked files, an ignored `build/` folder
/// rule, and one commit on branch `main`. Returns its path.
@discardableResult
public func makeGitRepository(in folder: URL, name: String = "repo", files: [String: String] = [:]) throws -> URL {
    let repository = folder.appending(path: name, directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
    let contents = files.isEmpty
        ? ["README.md": "# test repository\n", "src/main.txt": "hello\n", ".gitignore": "build/\n"]
        : files
    for (path, text) in contents {
        let file = repository.appending(path: path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }
    try git(["init", "--quiet", "--initial-branch=main"], in: repository)
    try git(["add", "--all"], in: repository)
    try git(["commit", "--quiet", "--message", "initial"], in: repository)
    return repository
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
