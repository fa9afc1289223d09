// swift-tools-version:6.2

import PackageDescription

/// With SHESHA_POOL_STATIC_SQLITE=1 in the environment, executables link SQLite statically
/// (libsqlite3-dev's libsqlite3.a): the dynamic loader then maps and binds one library fewer, about 0.5 ms
/// of each command's 5.5. The fast builds (README's install line, scripts/bench.sh, scripts/demo.sh) set it;
/// without it (tests, and packages that depend on this one, which may not use linker flags) SQLite is the
/// shared library.
let sqliteLinking: [LinkerSetting] =
    Context.environment["SHESHA_POOL_STATIC_SQLITE"] == "1"
    ? [.unsafeFlags(["-Xlinker", "-l:libsqlite3.a"])]
    : [.linkedLibrary("sqlite3")]

let package = Package(
    name: "shesha-pool",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SheshaSQLite", targets: ["SheshaSQLite"]),
        .library(name: "PoolCore", targets: ["PoolCore"]),
        .library(name: "Worktrees", targets: ["Worktrees"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "RLM", targets: ["RLM"]),
        .executable(name: "shesha-pool", targets: ["shesha-pool"]),
        .executable(name: "shesha-pool-query", targets: ["shesha-pool-query"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The system's SQLite headers; SheshaSQLite links the library (see `sqliteLinking`).
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Linux calls Swift cannot make directly (prctl is variadic).
        .systemLibrary(name: "CLinux"),
        // Failed system calls as one error type (call, path, errno), below every module that makes them.
        .target(name: "SheshaSystem"),
        .target(
            name: "SheshaSQLite",
            dependencies: ["CSQLite", "CLinux", "SheshaSystem"],
            linkerSettings: sqliteLinking
        ),
        // Turns Migrations/*.sql into Swift source at build time, so the binary never reads the source tree.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        .target(
            name: "PoolCore",
            dependencies: [
                "SheshaSQLite",
                "CLinux",
                "SheshaSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            // Crash points (SHESHA_POOL_CRASH_AT) exist only in debug builds; a release build ignores the variable.
            swiftSettings: [.define("SHESHA_POOL_CRASH_POINTS", .when(configuration: .debug))],
            plugins: ["EmbedMigrations"]
        ),
        .target(
            name: "Worktrees",
            dependencies: ["PoolCore", "SheshaSystem", "CLinux"]
        ),
        // Sandboxes running a Python REPL (bubblewrap, podman/docker, or a plain process) and their pool.
        .target(
            name: "Sandbox",
            dependencies: ["PoolCore", "SheshaSystem", "CLinux"],
            exclude: ["Runner/RunnerProtocol.md"],
            resources: [.embedInCode("Runner/repl_runner.py")]
        ),
        // The RLMEngine: a language model answering questions about documents by writing code that runs in
        // a pooled sandbox; with an OpenAI-compatible client.
        .target(
            name: "RLM",
            dependencies: ["Sandbox", "PoolCore", "SheshaSystem"],
            resources: [
                .embedInCode("Prompts/system.md"),
                .embedInCode("Prompts/first_turn.md"),
                .embedInCode("Prompts/execution_output.md"),
                .embedInCode("Prompts/subcall.md"),
            ]
        ),
        // What every command shares: --db/--pool, output, exit codes, error messages.
        .target(
            name: "SheshaCommandLine",
            dependencies: [
                "PoolCore",
                "SheshaSystem",
                "Worktrees",
                "Sandbox",
                "SheshaSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "shesha-pool",
            dependencies: [
                "PoolCore",
                "SheshaSystem",
                "Worktrees",
                "Sandbox",
                "SheshaCommandLine",
                "CLinux",
                "SheshaSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `shesha-pool query`, which shesha-pool hands over to: kept apart because its HTTP client links
        // libcurl, whose libraries would double every other command's start-up time.
        .executableTarget(
            name: "shesha-pool-query",
            dependencies: [
                "RLM",
                "SheshaSystem",
                "Sandbox",
                "PoolCore",
                "SheshaCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "PoolTesting",
            dependencies: ["PoolCore", "SheshaSQLite", "SheshaSystem", "CLinux"]
        ),
        .testTarget(
            name: "RLMTests",
            dependencies: ["RLM", "Sandbox", "PoolCore", "PoolTesting"]
        ),
        // Spawned by the multi-process tests: acquire/hold/release loops, holders to kill, crashes mid-create.
        .executableTarget(
            name: "pool-stress-worker",
            dependencies: ["PoolCore", "SheshaSQLite", "SheshaSystem"],
            path: "Sources/PoolStressWorker"
        ),
        // The benchmarks behind scripts/bench.sh: ledger, scale, worktrees, startup, sandbox, rlm.
        .executableTarget(
            name: "pool-bench",
            dependencies: ["PoolCore", "Worktrees", "Sandbox", "SheshaSQLite", "RLM", "PoolTesting"],
            path: "Sources/PoolBench"
        ),
        // The bench's start-up reference: three argument-parser subcommands and nothing else.
        .executableTarget(
            name: "startup-reference",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/StartupReference"
        ),
        // The adversarial harness behind scripts/torture.sh: holders, maintenance and a killer, then a checker.
        .executableTarget(
            name: "pool-torture",
            dependencies: ["PoolCore", "Worktrees", "Sandbox", "SheshaSQLite", "CLinux"],
            path: "Sources/PoolTorture"
        ),
        .testTarget(
            name: "SheshaSQLiteTests",
            dependencies: ["SheshaSQLite", "SheshaSystem", "PoolTesting"]
        ),
        .testTarget(
            name: "PoolCoreTests",
            dependencies: ["PoolCore", "PoolTesting", "SheshaSQLite", "pool-stress-worker"]
        ),
        .testTarget(
            name: "WorktreesTests",
            dependencies: ["Worktrees", "PoolCore", "PoolTesting"]
        ),
        .testTarget(
            name: "SandboxTests",
            dependencies: ["Sandbox", "PoolCore", "PoolTesting"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["PoolCore", "PoolTesting", "shesha-pool", "shesha-pool-query", "pool-torture"]
        ),
    ]
)

for target in package.targets
where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    // https://docs.swift.org/compiler/documentation/diagnostics/nonisolated-nonsending-by-default/
    settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    target.swiftSettings = settings
}
