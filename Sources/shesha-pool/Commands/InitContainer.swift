public import ArgumentParser
import SheshaCommandLine
import Foundation
import PoolCore
public import Sandbox
import CLinux

extension IsolationKind: ExpressibleByArgument {}

extension SheshaPool {
    struct InitContainer: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "container",
            abstract: "Create a pool of warm Python sandboxes.",
            discussion: """
                Each slot runs a Python REPL runner in a sandbox that outlives the process that started it; \
                any process holding the lease drives it with `shesha-pool exec`. Backends: bwrap (default: \
                new user, pid, network, IPC and UTS namespaces, read-only system, only the slot writable), \
                podman or docker (an image with python3; no network, read-only root, no capabilities), or \
                process (no isolation at all, for development). --memory and --pids bind every backend; \
                --cpus binds only podman and docker. Checks the backend before touching the database.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: "How sandboxes are isolated.")
        var backend: IsolationKind = .bwrap

        @Option(
            help: ArgumentHelp(
                "The folder for the slots (empty or new). Default: beside the database.", valueName: "dir"
            )
        )
        var dir: String?

        @Option(help: ArgumentHelp("The image for podman or docker: any image with python3.", valueName: "image"))
        var image: String?

        @Option(help: ArgumentHelp("The Python that bwrap and process sandboxes run.", valueName: "path"))
        var python = "/usr/bin/python3"

        @Option(help: ArgumentHelp("Memory limit per sandbox, e.g. 512m or 2g.", valueName: "size"))
        var memory = ByteSize(argument: "512m")!

        @Option(help: ArgumentHelp("The most processes per sandbox.", valueName: "n"))
        var pids = 128

        @Option(help: ArgumentHelp("CPUs per sandbox (podman and docker only), e.g. 1.5.", valueName: "n"))
        var cpus: Double?

        @OptionGroup var size: PoolSizeOptions

        @Flag(help: "Print the pool's settings as JSON.")
        var json = false

        func validate() throws {
            guard (8...100_000).contains(pids) else {
                throw ValidationError("--pids must be between 8 and 100000 (got \(pids))")
            }
            guard memory.bytes >= 32 << 20 else {
                throw ValidationError("--memory must be at least 32m, or Python cannot start (got \(memory))")
            }
            if let cpus, !(cpus > 0 && cpus <= 1_024) {
                throw ValidationError("--cpus must be a positive number of CPUs (got \(cpus))")
            }
            switch backend {
            case .podman, .docker:
                guard let image, !image.isEmpty else {
                    throw ValidationError(
                        "--backend \(backend) needs --image (any image with python3; "
                            + "scripts/make-python-image.sh makes one from this machine's python3)"
                    )
                }
            case .bwrap, .process:
                if image != nil {
                    throw ValidationError("--image is only for --backend podman or docker")
                }
                guard python.hasPrefix("/") else {
                    throw ValidationError("--python must be an absolute path (got \(python))")
                }
            }
        }

        func perform() async throws {
            let existingLedger = try await PoolCreation.existingLedger(global)
            let config = ContainerConfig(
                backend: backend, image: image, python: python,
                limits: SandboxLimits(memoryBytes: memory.bytes, pids: pids, cpus: cpus)
            )
            // The backend and the folder are checked before the database is created.
            if dir == nil, backend == .bwrap, geteuid() == 0 {
                try checkDatabaseFolderIsReachable()
            }
            let definition = try await ContainerPool.prepare(
                name: global.poolName, config: config, slotFolder: PoolCreation.slotFolder(global, dir: dir),
                maxSize: size.maxSize, minIdle: size.minIdle, onExhausted: size.onExhausted
            )
            let ledger = try existingLedger ?? SQLiteLedger(path: global.databasePath)
            try await ledger.createPool(definition)
            Console.message(
                "created container pool '\(global.poolName)' (\(backend) sandboxes, \(memory) memory, "
                    + "\(pids) processes); slots go in \(definition.slotFolder)"
            )
            if backend == .process {
                Console.message("warning: " + ProcessIsolation.warning)
            }
            if size.minIdle > 0 {
                let pool = try ContainerPool(ledger: ledger, definition: definition).pool
                let report = try await pool.expand(by: size.minIdle, progress: Console.progress("starting sandboxes"))
                try Expand.reportOutcome(report)
            }
            if json {
                Console.output(try Console.json(PoolSettings(definition: definition, worktree: nil, container: config)))
            }
        }

        /// As root, bwrap sandboxes run as an unprivileged user, who must be able to enter the slot folder;
        /// by default that lies in the database's folder, which shesha-pool creates private (0700).
        private func checkDatabaseFolderIsReachable() throws {
            let folder = URL(filePath: global.databasePath).deletingLastPathComponent().path(percentEncoded: false)
            var status = stat()
            guard stat(folder, &status) == 0, status.st_mode & S_IXOTH != 0 else {
                throw PoolError.invalidArgument(
                    "as root, bwrap sandboxes run as an unprivileged user, who cannot enter the database's "
                        + "folder \(folder); pass a --dir other users can enter, such as "
                        + "/var/tmp/shesha-pool/\(global.poolName)"
                )
            }
        }
    }
}
