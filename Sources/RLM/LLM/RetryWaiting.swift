import Foundation

/// How `LLMClient` waits between attempts: exponential backoff with full jitter, or the server's
/// `Retry-After`, both capped. Tests pass their own `sleep` (recording, or 1 ms) so they need not wait.
public struct RetryWaiting: Sendable {
    /// Waits for the given time; throws if the task is cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Picks the actual wait for a backoff ceiling; full jitter picks uniformly in 0...ceiling.
    public var jitter: @Sendable (Duration) -> Duration

    public init(
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        jitter: @escaping @Sendable (Duration) -> Duration
    ) {
        self.sleep = sleep
        self.jitter = jitter
    }

    /// Real sleeping and random full jitter.
    public static let live = RetryWaiting(
        sleep: { try await Task.sleep(for: $0) },
        jitter: { ceiling in
            let nanoseconds = max(0, Int64((ceiling / .nanoseconds(1)).rounded()))
            return .nanoseconds(Int64.random(in: 0...nanoseconds))
        })

    /// The wait before retry number `retry` (0 for the first retry): the server's `Retry-After` if it sent a
    /// usable one, else the jittered backoff `initial × 2^retry`; never more than `maximum`.
    func delay(retry: Int, retryAfter: String?, initial: Duration, maximum: Duration, now: Date = Date()) -> Duration {
        if let retryAfter, let requested = Self.parseRetryAfter(retryAfter, now: now) {
            return min(requested, maximum)
        }
        // Doubling stops once past the cap, so the multiplier cannot overflow.
        var ceiling = initial
        for _ in 0..<retry where ceiling < maximum { ceiling *= 2 }
        return min(jitter(min(ceiling, maximum)), maximum)
    }

    /// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); a date in the past means now.
    static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        for format in httpDateFormats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
            }
        }
        return nil
    }

    /// IMF-fixdate, then the obsolete RFC 850 and asctime forms that HTTP still accepts.
    private static let httpDateFormats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy",
    ]
}
