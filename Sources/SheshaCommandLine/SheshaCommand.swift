public import ArgumentParser

/// A command of this project: its work is `perform`, and `run`, which argument-parser calls, only forwards to it.
///
/// `runAsShesha` calls `perform` through this protocol, whose requirement this module declares
/// `nonisolated(nonsending)` (its default): the command runs on the thread that parsed it. Called through
/// `AsyncParsableCommand.run`, declared in a module without that default, it first hopped into Swift's thread
/// pool, whose start (three threads and Dispatch's event loop) took 0.9 ms of every command.
public protocol SheshaCommand: AsyncParsableCommand {
    mutating func perform() async throws
}

extension SheshaCommand {
    public mutating func run() async throws {
        try await perform()
    }
}
