public import FoundationEssentials
import CLinux
import Glibc
public import PoolCore
import SheshaSystem

/// Brings the ignored files a slot needs (`.env`, local settings, warm caches such as `node_modules/` or
/// `target/`) from the repository's main working tree into a slot: the files git ignores there that match
/// the pool's copy patterns or those in `.worktreeinclude`.
///
/// A slot keeps a record of what it was given (in its own git folder, outside the working tree): the
/// source's size and modification time at the copy. Bringing a slot up to date copies a file again when
/// it is missing in the slot or when the source changed since; a copy the holder changed (a cache that
/// grew) is kept as long as its source stays the same.
public struct IgnoredFileCopy: Sendable {
    /// The record's name in the slot's git folder.
    static let recordName = "shesha-pool-copied"

    let git: Git
    /// The main working tree the files come from.
    let repository: String
    let patterns: [String]
    /// How long copying the files may take, all of them together (git's commands have their own limit).
    let limit: Duration
    /// Whether the copy is past its deadline; asked before each file and between chunks of a large one.
    let isPastDeadline: @Sendable (ContinuousClock.Instant) -> Bool

    init(
        git: Git,
        repository: String,
        patterns: [String],
        limit: Duration,
        isPastDeadline: @escaping @Sendable (ContinuousClock.Instant) -> Bool = { ContinuousClock.now >= $0 }
    ) {
        self.git = git
        self.repository = repository
        self.patterns = patterns
        self.limit = limit
        self.isPastDeadline = isPastDeadline
    }

    /// A pool's copy for a slot's work: its git commands (`git`), and the copying itself, are each bounded
    /// by the pool's git timeout, as `WorktreeConfig.workTimeouts` counts them.
    init(settings: WorktreeConfig, git: Git) {
        self.init(git: git, repository: settings.repository, patterns: settings.copyPatterns, limit: settings.gitTimeout)
    }

    /// The copy a pool with these settings makes, for use outside a pool (benchmarks, tools), allowed the
    /// default git timeout. Throws `gitMissing` without git.
    public init(repository: String, patterns: [String]) throws {
        self.init(git: try Git(), repository: repository, patterns: patterns, limit: WorktreeConfig.defaultGitTimeout)
    }

    /// Whether any pattern applies: the pool's own, or a `.worktreeinclude` at the repository's root.
    var isNeeded: Bool {
        !patterns.isEmpty || FileManager.default.fileExists(atPath: includeFilePath)
    }

    private var includeFilePath: String { repository + "/" + CopyPatterns.includeFile }

    /// The paths, relative to the repository's root, of the ignored files the patterns pick.
    func matchingFiles() async throws -> [String] {
        var selection = ["ls-files", "-z", "--others", "--ignored"] + patterns.map { "--exclude=" + $0 }
        if FileManager.default.fileExists(atPath: includeFilePath) {
            selection.append("--exclude-from=" + includeFilePath)
        }
        // Untracked files the patterns name, less those git does not ignore: a pattern picks among
        // ignored files, it never makes git's ignore rules wider.
        let picked = try await git.run(selection, in: repository).split(separator: "\0")
        let ignored = Set(
            try await git.run(["ls-files", "-z", "--others", "--ignored", "--exclude-standard"], in: repository)
                .split(separator: "\0")
        )
        return picked.filter { ignored.contains($0) }.map(String.init)
    }

    /// Copies into the worktree at `slot` what is missing there or changed at the source since its last
    /// copy. With `keepingExisting` (an adopted worktree), files already in the slot count as the holder's
    /// own and are recorded without being copied.
    @discardableResult
    public func bringUpToDate(slot: String, keepingExisting: Bool = false) async throws -> CopyReport {
        var report = CopyReport()
        guard isNeeded else { return report }
        let files = try await matchingFiles()
        let recordPath = try await git.run(["rev-parse", "--absolute-git-dir"], in: slot)
            .trimmingWhitespace() + "/" + Self.recordName
        var record = CopyRecord(path: recordPath)
        try record.load()
        let loaded = record.entries
        var toCopy: [(String, stat)] = []
        for file in files {
            // A file removed at the source since git listed it is simply not copied.
            guard let source = try Self.status(of: repository + "/" + file) else { continue }
            let sourcePrint = Fingerprint(source)
            guard let copy = try Self.status(of: slot + "/" + file) else {
                toCopy.append((file, source))
                continue
            }
            let unchanged = Fingerprint(copy) == sourcePrint
            let holdersOwn = record.entries[file] == sourcePrint || (keepingExisting && record.entries[file] == nil)
            if unchanged || holdersOwn {
                record.entries[file] = sourcePrint
                report.kept += 1
            } else {
                toCopy.append((file, source))
            }
        }
        // Written before the copies, without them: a copy cut short by a crash has no entry, so the next
        // update copies it again instead of taking it for the holder's.
        for (file, _) in toCopy {
            record.entries[file] = nil
        }
        if record.entries != loaded {
            try record.save()
        }
        let deadline = ContinuousClock.now + limit
        for (number, (file, source)) in toCopy.enumerated() {
            let method: CopyMethod
            do {
                guard !isPastDeadline(deadline) else { throw FileCloner.Stopped() }
                try makeParents(of: file, in: slot)
                method = try FileCloner.copy(
                    from: repository + "/" + file, to: slot + "/" + file, status: source,
                    shouldStop: { isPastDeadline(deadline) }
                )
            } catch is FileCloner.Stopped {
                // What was copied so far is recorded, so the next update does not copy it again.
                try record.save()
                throw IgnoredFileCopyError.timedOut(
                    slot: slot, limit: limit, copied: number, of: toCopy.count, stoppedAt: file
                )
            }
            report.count(method, bytes: method == .symlink ? 0 : Int64(source.st_size))
            record.entries[file] = Fingerprint(source)
        }
        if !toCopy.isEmpty {
            try record.save()
        }
        return report
    }

    /// Makes the folders above `file` in the slot, with their modes at the source. A folder that is
    /// something else in the slot (a symlink a holder made) is an error: nothing is written through it.
    private func makeParents(of file: String, in slot: String) throws {
        var relative = ""
        for component in file.split(separator: "/").dropLast() {
            relative += (relative.isEmpty ? "" : "/") + component
            let path = slot + "/" + relative
            if let existing = try Self.status(of: path) {
                guard existing.st_mode & S_IFMT == S_IFDIR else {
                    throw IgnoredFileCopyError.notAFolder(path)
                }
                continue
            }
            let mode = try Self.status(of: repository + "/" + relative).map { $0.st_mode & 0o7777 } ?? 0o755
            if mkdir(path, mode) != 0, errno != EEXIST {
                throw SystemError.last("mkdir", path: path)
            }
        }
    }

    /// `lstat` of `path`, or nil when nothing is there.
    static func status(of path: String) throws(SystemError) -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError.last("lstat", path: path)
    }
}

/// What one update of a slot's copied files did.
public struct CopyReport: Sendable, Hashable, Codable {
    /// Files copied, by how their bytes got there.
    public var copied: [CopyMethod: Int] = [:]
    /// Bytes of the regular files copied.
    public var bytes: Int64 = 0
    /// Files already up to date in the slot (or the holder's changes to them, kept).
    public var kept = 0

    public var files: Int { copied.values.reduce(0, +) }

    mutating func count(_ method: CopyMethod, bytes: Int64) {
        copied[method, default: 0] += 1
        self.bytes += bytes
    }
}

/// A file that cannot be copied into a slot.
public enum IgnoredFileCopyError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// Something other than a folder stands where a copied file's folder goes.
    case notAFolder(String)
    /// The copy took longer than its limit and was stopped before `stoppedAt`, which is not in the slot.
    case timedOut(slot: String, limit: Duration, copied: Int, of: Int, stoppedAt: String)

    public var description: String {
        switch self {
        case .notAFolder(let path):
            return "\(path) is not a folder, so the ignored files under it cannot be copied there; remove it"
        case .timedOut(let slot, let limit, let copied, let total, let file):
            return "copying ignored files into \(slot) did not finish within \(CommandTimedOut.format(limit)) "
                + "(the pool's git timeout) and was stopped at \(file), after \(copied) of \(total) files; "
                + "copy less with --copy and .worktreeinclude, or raise the limit with `init worktree --git-timeout`"
        }
    }

    public var errorDescription: String? { description }
}

/// What identifies one version of a file: its type, size and modification time.
struct Fingerprint: Hashable {
    var kind: UInt32
    var size: Int64
    var seconds: Int64
    var nanoseconds: Int64

    init(_ status: stat) {
        kind = UInt32(status.st_mode & S_IFMT)
        size = Int64(status.st_size)
        seconds = Int64(status.st_mtim.tv_sec)
        nanoseconds = Int64(status.st_mtim.tv_nsec)
    }

    init(kind: UInt32, size: Int64, seconds: Int64, nanoseconds: Int64) {
        self.kind = kind
        self.size = size
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
}

/// The fingerprint of each file's source at its last copy into one slot: one NUL-ended record per file,
/// "kind size seconds nanoseconds path". Replaced whole (write, then rename) so it is never half-written.
struct CopyRecord {
    let path: String
    var entries: [String: Fingerprint] = [:]

    init(path: String) {
        self.path = path
    }

    /// Reads the record; a slot without one (new, or adopted) has no entries. Lines it cannot read are
    /// dropped: their files are then copied again, which is always safe.
    mutating func load() throws {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        for line in data.split(separator: 0) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5,
                let kind = UInt32(String(decoding: fields[0], as: UTF8.self)),
                let size = Int64(String(decoding: fields[1], as: UTF8.self)),
                let seconds = Int64(String(decoding: fields[2], as: UTF8.self)),
                let nanoseconds = Int64(String(decoding: fields[3], as: UTF8.self))
            else { continue }
            let file = String(decoding: fields[4], as: UTF8.self)
            entries[file] = Fingerprint(kind: kind, size: size, seconds: seconds, nanoseconds: nanoseconds)
        }
    }

    func save() throws {
        var text = ""
        for (file, print) in entries.sorted(by: { $0.key < $1.key }) {
            text += "\(print.kind) \(print.size) \(print.seconds) \(print.nanoseconds) \(file)\0"
        }
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw SystemError(call: "open", path: temporary, code: errno)
        }
        if rename(temporary, path) != 0 {
            throw SystemError.last("rename", path: path)
        }
    }
}

extension IgnoredFileCopyError: KeepsFailedSlot {}
