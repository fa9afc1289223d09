import Foundation
import PoolCore
import SheshaSQLite
import Worktrees

/// The copy-in section: a new slot that needs a 200 MB ignored cache (200 files of 1 MiB), three ways. The
/// cache reflinked from the main working tree on a file system that shares blocks (xfs with reflink=1 on a
/// loop image, made here; skipped, with the reason, where mkfs.xfs or a loop mount is not possible), the
/// cache copied on the bench's disk folder, and a setup command that writes the cache anew (a floor for a
/// real build, which computes what it writes). Each figure is one whole `expand 1`, then the slot is removed.
struct CopyInBench {
    var options: BenchOptions
    var folder: WorkFolder

    static let cacheFiles = 200
    static let cacheFileBytes = 1 << 20

    struct Row: Codable {
        var label: String
        var fileSystem: String
        /// How the cache's files reached the slot (reflink, kernelCopy, plainCopy), or the setup command.
        var method: String
        var newSlotMicroseconds: Spread
    }

    struct Section: Codable {
        var repetitions: Int
        var rows: [Row]
        /// Why the reflink row is missing, when it is.
        var reflinkSkipped: String?

        var heading: String {
            """
            COPY-IN: a new slot whose ignored cache/ holds 200 MB (200 files of 1 MiB), \
            \(Format.plural(repetitions, "repetition")); each figure is `expand 1` (git worktree add and the copy or \
            the setup), the slot removed after each
            """
        }

        var table: String {
            var table = TextTable(["new slot with a 200 MB cache", "file system", "how", "time"], leftAligned: [0, 1, 2])
            for row in rows {
                table.add([row.label, row.fileSystem, row.method, Format.time(row.newSlotMicroseconds)])
            }
            if let reflinkSkipped {
                table.note("reflink copy skipped: \(reflinkSkipped)")
            }
            return table.render()
        }
    }

    func run() async throws -> Section {
        let repetitions = options.repetitions ?? (options.isQuick ? 2 : 5)
        var rows: [Row] = []
        let disk = try folder.subfolder("copy-in")
        var reflinkSkipped: String?
        do {
            let mount = try LoopMount(in: disk)
            defer { mount.remove() }
            printError("copy-in: reflink copy on \(mount.fileSystem) at \(mount.path)")
            rows.append(try await measureCopy(in: mount.path, fileSystem: mount.fileSystem, label: "copied in, reflinks", repetitions: repetitions))
        } catch {
            reflinkSkipped = "\(error)"
            printError("copy-in: reflink copy skipped: \(error)")
        }
        let diskSystem = MachineInfo.fileSystem(of: disk)
        printError("copy-in: copy on \(diskSystem) at \(disk)")
        rows.append(try await measureCopy(in: disk + "/plain", fileSystem: diskSystem, label: "copied in", repetitions: repetitions))
        rows.append(try await measureSetup(in: disk + "/setup", fileSystem: diskSystem, repetitions: repetitions))
        return Section(repetitions: repetitions, rows: rows, reflinkSkipped: reflinkSkipped)
    }

    /// A pool with `--copy cache/` over a repository whose main working tree has the cache.
    private func measureCopy(in place: String, fileSystem: String, label: String, repetitions: Int) async throws -> Row {
        let repository = try makeRepository(in: place)
        try writeCache(in: repository)
        let pool = try await makePool(in: place, repository: repository, copyPatterns: ["cache/"], setup: [])
        var times: [Double] = []
        var methods = Set<String>()
        for _ in 0..<repetitions {
            times.append(try await timeNewSlot(pool))
            // How the bytes travelled: one more copy into the new slot's place, its report read.
            let slot = try await pool.pool.ledger.slots(pool: pool.pool.name)[0].path
            try FileManager.default.removeItem(atPath: slot + "/cache")
            let report = try await IgnoredFileCopy(repository: repository, patterns: ["cache/"]).bringUpToDate(slot: slot)
            methods.formUnion(report.copied.keys.map(\.rawValue))
            _ = try await pool.pool.shrink(by: 1)
        }
        return Row(
            label: label, fileSystem: fileSystem, method: methods.sorted().joined(separator: "+"),
            newSlotMicroseconds: Spread(times)
        )
    }

    /// A pool whose setup command writes the cache in each new slot.
    private func measureSetup(in place: String, fileSystem: String, repetitions: Int) async throws -> Row {
        let repository = try makeRepository(in: place)
        let setup = """
            python3 -c "import os, random; r = random.Random(1); os.makedirs('cache', exist_ok=True); \
            [open(f'cache/{i:03}.bin', 'wb').write(r.randbytes(\(Self.cacheFileBytes))) for i in range(\(Self.cacheFiles))]"
            """
        let pool = try await makePool(in: place, repository: repository, copyPatterns: [], setup: [setup])
        var times: [Double] = []
        for _ in 0..<repetitions {
            times.append(try await timeNewSlot(pool))
            _ = try await pool.pool.shrink(by: 1)
        }
        return Row(label: "setup command writes it", fileSystem: fileSystem, method: "python3 writes 200 MB", newSlotMicroseconds: Spread(times))
    }

    private func timeNewSlot(_ pool: WorktreePool) async throws -> Double {
        let started = MonotonicTime.nanoseconds()
        let report = try await pool.pool.expand(by: 1)
        let elapsed = Double(MonotonicTime.nanoseconds() - started) / 1e3
        if let failure = report.failures.first {
            throw BenchError("copy-in: the new slot failed: \(failure.message)")
        }
        return elapsed
    }

    private func makeRepository(in place: String) throws -> String {
        let repository = place + "/repo"
        try FileManager.default.createDirectory(atPath: repository + "/src", withIntermediateDirectories: true)
        try Data("cache/\n".utf8).write(to: URL(filePath: repository + "/.gitignore"))
        try Data("print('hello')\n".utf8).write(to: URL(filePath: repository + "/src/main.py"))
        let commands = TimedCommands(logFolder: place)
        let git = try findOnPath("git")
        for arguments in [
            ["init", "--quiet", "--initial-branch=main"], ["add", "--all"],
            ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "--quiet", "-m", "initial"],
        ] {
            try commands.run(git, ["-C", repository] + arguments, log: "git")
        }
        return repository
    }

    /// 200 files of 1 MiB of pseudo-random bytes (nothing a file system could compress or deduplicate).
    private func writeCache(in repository: String) throws {
        try FileManager.default.createDirectory(atPath: repository + "/cache", withIntermediateDirectories: true)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var words = [UInt64](repeating: 0, count: Self.cacheFileBytes / 8)
        for file in 0..<Self.cacheFiles {
            for index in words.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[index] = state
            }
            let data = words.withUnsafeBytes { Data($0) }
            try data.write(to: URL(filePath: repository + "/cache/" + String(format: "%03d.bin", file)))
        }
    }

    private func makePool(in place: String, repository: String, copyPatterns: [String], setup: [String]) async throws -> WorktreePool {
        let ledger = try SQLiteLedger(path: place + "/pool.db")
        let definition = try await WorktreePool.prepare(
            name: "copyin", repository: repository, baseRef: "main", slotFolder: place + "/slots", maxSize: 4,
            setup: setup, copyPatterns: copyPatterns
        )
        try await ledger.createPool(definition)
        return try WorktreePool(ledger: ledger, definition: definition)
    }
}

/// A 1 GiB xfs image with reflinks (else btrfs), loop-mounted in the bench's folder; needs root and a
/// kernel that lets this container mount loop devices.
struct LoopMount {
    let path: String
    let image: String
    let fileSystem: String

    init(in parent: String) throws {
        image = parent + "/reflink.img"
        path = parent + "/reflink"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: image, contents: nil) else {
            throw BenchError("cannot create \(image)")
        }
        let handle = try FileHandle(forWritingTo: URL(filePath: image))
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        let commands = TimedCommands(logFolder: parent)
        let makers: [(String, [String], String)] = [
            ("mkfs.xfs", ["-q", "-m", "reflink=1", image], "xfs"),
            ("mkfs.btrfs", ["-q", image], "btrfs"),
        ]
        var made: String?
        var problems: [String] = []
        for (tool, arguments, name) in makers {
            do {
                try commands.run(try Self.find(tool), arguments, log: "mkfs")
                made = name
                break
            } catch {
                problems.append("\(error)")
            }
        }
        guard let made else {
            throw BenchError(
                "no mkfs.xfs or mkfs.btrfs worked (apt-get install xfsprogs btrfs-progs): "
                    + problems.joined(separator: "; ")
            )
        }
        do {
            try commands.run(try Self.find("mount"), ["-o", "loop", image, path], log: "mount")
        } catch {
            throw BenchError("cannot loop-mount \(made) here (root and loop devices are needed): \(error)")
        }
        fileSystem = made
    }

    func remove() {
        let commands = TimedCommands(logFolder: (image as NSString).deletingLastPathComponent)
        if let umount = try? Self.find("umount") {
            // Lazy: a descriptor still open on the mount (a closing database) must not keep the image mounted.
            _ = try? commands.run(umount, ["-l", path], log: "umount")
        }
        try? FileManager.default.removeItem(atPath: image)
    }

    /// mkfs and mount live in /sbin, which a plain user's PATH may leave out.
    static func find(_ tool: String) throws -> String {
        for folder in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: folder + "/" + tool) {
            return folder + "/" + tool
        }
        return try findOnPath(tool)
    }
}
