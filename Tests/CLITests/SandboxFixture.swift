import Foundation
import PoolTesting
import Testing

extension CLIFixture {
    /// The container pool's --dir. Not the default beside the database: the CLI makes that folder private,
    /// and as root the sandboxes run as an unprivileged user, who must be able to enter their slots.
    var sandboxFolder: String { folder.appending(path: "sandboxes").path(percentEncoded: false) }
}

/// A fixture whose sandboxes are all killed afterwards, whatever happened, so a failed test leaves no
/// sandbox running.
func withSandboxFixture<R>(_ body: (CLIFixture) async throws -> R) async throws -> R {
    try await withFixture { fixture in
        defer { killSandboxes(under: fixture.sandboxFolder) }
        return try await body(fixture)
    }
}

/// Kills the process group of every process whose command line names a path under `folder`.
func killSandboxes(under folder: String) {
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
            String(decoding: data, as: UTF8.self).contains(folder + "/")
        else { continue }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }
}

/// The pool's only slot's sandbox record.
func sandboxRecord(_ fixture: CLIFixture) throws -> SandboxRecordFile {
    let folder = fixture.sandboxFolder
    let slot = try #require(entries(of: folder).first)
    let data = try #require(FileManager.default.contents(atPath: "\(folder)/\(slot)/sandbox.json"))
    return try JSONDecoder().decode(SandboxRecordFile.self, from: data)
}

/// `<slot>/sandbox.json` as the tests read it.
struct SandboxRecordFile: Decodable, Equatable {
    var pid: Int32
    var startTime: Int64
}

/// Slot paths under `folder` with a running sandbox: processes whose command line names a slot's runner.
func runningSandboxes(under folder: String) -> [String] {
    var slots: Set<String> = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard Int32(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
        for argument in data.split(separator: 0).map({ String(decoding: $0, as: UTF8.self) })
        where argument.hasPrefix(folder) && argument.hasSuffix("/repl_runner.py") {
            slots.insert(String(argument.dropLast("/repl_runner.py".count)))
        }
    }
    return slots.sorted()
}

/// The names in a folder; none when it does not exist.
func entries(of folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}
