import Foundation

/// Where in a query tree a step happens: the query's depth (1 at the top) and its loop's iteration.
struct TraceScope: Sendable {
    var depth: Int
    var iteration: Int = 0
}

/// Collects a query tree's trace steps and token usage as they happen (from the loops, sub-calls and
/// child queries), tells the progress callback, and appends each step to the trace file when there is one.
actor TraceRecorder {
    private(set) var steps: [TraceStep] = []
    private(set) var usage = TokenUsage()
    private let started = ContinuousClock.now
    private let file: TraceFile?
    private let onProgress: (@Sendable (TraceStep) -> Void)?

    init(file: TraceFile?, onProgress: (@Sendable (TraceStep) -> Void)?) {
        self.file = file
        self.onProgress = onProgress
    }

    /// Records a step that began at `since` (now, for an event) and ends now.
    func record(
        _ kind: TraceStep.Kind,
        _ text: String,
        in scope: TraceScope,
        since start: ContinuousClock.Instant? = nil,
        tokens: TokenUsage? = nil,
        cost: Double? = nil
    ) throws {
        let now = ContinuousClock.now
        let start = start ?? now
        let step = TraceStep(
            depth: scope.depth,
            iteration: scope.iteration,
            kind: kind,
            text: text,
            tokens: tokens,
            cost: cost,
            started: Self.seconds(start - started),
            duration: Self.seconds(now - start)
        )
        steps.append(step)
        if let tokens { usage = usage + tokens }
        try file?.append(step)
        onProgress?(step)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
