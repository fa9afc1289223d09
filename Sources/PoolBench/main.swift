import Foundation

// `pool-bench [options]` runs the benchmark; `pool-bench worker ...` is one of its child processes;
// `pool-bench spawn [COUNT]` times the command runner.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    if arguments.first == "waiter" {
        let waiter = try Waiter.parse(Array(arguments.dropFirst()))
        do {
            try await waiter.run()
        } catch {
            throw BenchError("waiter \(waiter.holder): \(error)")
        }
    } else if arguments.first == "worker" {
        let worker = try Worker.parse(Array(arguments.dropFirst()))
        do {
            try await worker.run()
        } catch {
            throw BenchError("worker \(worker.holder): \(error)")
        }
    } else if arguments.first == "spawn" {
        try await SpawnBench.run(Array(arguments.dropFirst()))
    } else if arguments.contains("--help") || arguments.contains("-h") {
        print(Usage.text)
    } else {
        let options = try BenchOptions.parse(arguments, environment: ProcessInfo.processInfo.environment)
        try await BenchRunner(options: options, command: (["pool-bench"] + arguments).joined(separator: " ")).run()
    }
} catch let error as UsageError {
    printError("pool-bench: \(error)\n\n\(Usage.text)")
    exit(64)
} catch {
    printError("pool-bench: \(error)")
    exit(1)
}
