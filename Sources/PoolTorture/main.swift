import Foundation
import Glibc

// pool-torture run | check | holder (the last is started by `run`). See Usage.text.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "run":
        let options = try RunOptions(Array(arguments.dropFirst()))
        let report = try await Orchestrator(options: options).run()
        emit(report.text)
        exit(report.violations.isEmpty ? 0 : 1)
    case "check":
        let options = try CheckOptions(Array(arguments.dropFirst()))
        let report = try Checker(work: WorkFolder(options.work), sheshaPool: options.sheshaPool).check()
        emit(report.text)
        exit(report.violations.isEmpty ? 0 : 1)
    case "holder":
        let options = try HolderOptions(Array(arguments.dropFirst()))
        switch options.kind {
        case .worktree: try await Holder(options: options).run()
        case .container: try await ContainerHolder(options: options).run()
        }
    case "--help", "-h":
        emit(Usage.text)
    default:
        throw TortureError.usage("unknown mode '\(arguments.first ?? "")'; use run, check or holder")
    }
} catch let error as TortureError {
    FileHandle.standardError.write(Data("pool-torture: \(error)\n".utf8))
    if case .usage = error {
        FileHandle.standardError.write(Data("pool-torture: run 'pool-torture --help' for usage\n".utf8))
        exit(64)
    }
    exit(1)
} catch {
    FileHandle.standardError.write(Data("pool-torture: \(error)\n".utf8))
    exit(1)
}
