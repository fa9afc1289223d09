import ArgumentParser
import SheshaCommandLine
import PoolCore

/// The size options every `init` takes.
struct PoolSizeOptions: ParsableArguments {
    @Option(help: "The most slots the pool may have.")
    var maxSize = 8

    @Option(help: "Idle slots to make now and keep ready.")
    var minIdle = 0

    @Option(help: "When every slot is taken: wait for one, create one beyond --max-size, or fail.")
    var onExhausted: ExhaustionPolicy = .wait

    func validate() throws {
        guard (1...10_000).contains(maxSize) else {
            throw ValidationError("--max-size must be between 1 and 10000 (got \(maxSize))")
        }
        guard (0...maxSize).contains(minIdle) else {
            throw ValidationError("--min-idle must be between 0 and --max-size \(maxSize) (got \(minIdle))")
        }
    }
}
