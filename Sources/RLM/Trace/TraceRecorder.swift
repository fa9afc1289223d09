import Foundation

/// Collects a query's trace steps and token usage as they happen (from the loop and from sub-calls), tells
/// the progress callback, and appends each step to the trace file when there is one.
actor TraceRecorder {
    private(set) var steps: [TraceStep] = []
    private(set) var usage = TokenUsage()
    private(set) var iteration = 0
    private let started = ContinuousClock.now
    private let file: TraceFile?
    private let onProgress: (@Sendable (TraceStep) -> Void)?

    init(file: TraceFile?, onProgress: (@Sendable (TraceStep) -> Void)?) {
        self.file = file
        self.onProgress = onProgress
    }

    func begin(iteration: Int) {
        self.iteration = iteration
    }

    func record(_ kind: TraceStep.Kind, _ text: String, tokens: TokenUsage? = nil) throws {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let step = TraceStep(iteration: iteration, kind: kind, text: text, tokens: tokens, elapsed: seconds)
        steps.append(step)
        if let tokens { usage = usage + tokens }
        try file?.append(step)
        onProgress?(step)
    }
}
