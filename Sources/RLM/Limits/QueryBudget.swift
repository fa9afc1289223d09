import Foundation

/// What a query tree has spent (tokens, dollars, time, LLM calls) against its limits. One budget is shared
/// by a query, its sub-calls and its child queries, so everything counts toward the top query's limits.
actor QueryBudget {
    let limits: QueryLimits
    private let price: ModelPrice?
    private let started = ContinuousClock.now
    private(set) var usage = TokenUsage()
    private(set) var cost = 0.0
    private(set) var calls = 0
    /// The first limit passed, worded for `.noAnswer`; every later check fails with it.
    private var reached: String?

    init(limits: QueryLimits, price: ModelPrice?) {
        self.limits = limits
        self.price = price
    }

    var elapsed: Duration { .now - started }

    /// The time left under `maxTime`; nil without one.
    var remainingTime: Duration? {
        limits.maxTime.map { max(.zero, $0 - elapsed) }
    }

    /// Counts one LLM call's tokens; returns its cost when the model has a price.
    func charge(_ callUsage: TokenUsage) -> Double? {
        calls += 1
        usage = usage + callUsage
        let callCost = price?.cost(of: callUsage)
        cost += callCost ?? 0
        if reached == nil, let maxTokens = limits.maxTokens, usage.total > maxTokens {
            reached = "the token limit of \(maxTokens) was passed"
        }
        if reached == nil, let maxCost = limits.maxCost, cost > maxCost {
            reached = "the cost limit of \(Self.dollars(maxCost)) was passed"
        }
        return callCost
    }

    /// Throws `RLMError.limitReached` once a limit is reached; call before each LLM call and after each
    /// code block.
    func check() throws(RLMError) {
        if reached == nil, let maxTime = limits.maxTime, elapsed >= maxTime {
            reached = "the time limit of \(Self.seconds(maxTime)) was reached"
        }
        if let reached { throw .limitReached(reached + "; " + spent) }
    }

    /// Ends the query for a limit found outside the budget (consecutive code errors, a timed-out call).
    func reach(_ limit: String) -> RLMError {
        if reached == nil { reached = limit }
        return .limitReached((reached ?? limit) + "; " + spent)
    }

    /// Ends the query because `maxTime` passed during a call or a code block.
    func timeUp() -> RLMError {
        reach("the time limit of \(Self.seconds(limits.maxTime ?? .zero)) was reached")
    }

    var isTimeUp: Bool {
        limits.maxTime.map { elapsed >= $0 } ?? false
    }

    /// "spent 1043 tokens in 3 LLM calls, $0.0012, 4.21 s"
    var spent: String {
        "spent \(usage.total) tokens in \(calls) LLM \(calls == 1 ? "call" : "calls")"
            + (price == nil ? "" : ", \(Self.dollars(cost))")
            + ", \(Self.seconds(elapsed))"
    }

    static func dollars(_ amount: Double) -> String {
        String(format: "$%.4g", amount)
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f s", TraceRecorder.seconds(duration))
    }
}
