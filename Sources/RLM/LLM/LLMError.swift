public import Foundation

/// Why a chat completion failed. Texts taken from the server are excerpts with the API key scrubbed out.
public enum LLMError: Error, Equatable, Sendable {
    /// Neither an option nor `SHESHA_LLM_MODEL` named a model.
    case missingModel
    /// The base URL does not form an http(s) URL.
    case invalidBaseURL(String)
    /// The server answered with a non-2xx status (after retries, for 429 and 5xx).
    case httpStatus(Int, url: String, bodyExcerpt: String, attempts: Int)
    /// No reply arrived within the request timeout, on every attempt.
    case timedOut(after: Duration, url: String, attempts: Int)
    /// The connection failed (refused, reset, DNS...) on every attempt.
    case connectionFailed(String, url: String, attempts: Int)
    /// A 2xx reply that is not a chat completion with `choices[0].message.content`.
    case malformedResponse(String, url: String, bodyExcerpt: String)

    /// The longest piece of a server's reply an error carries.
    public static let excerptLimit = 500
}

extension LLMError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .missingModel:
            "no LLM model given; pass --model or set SHESHA_LLM_MODEL"
        case .invalidBaseURL(let baseURL):
            "LLM base URL '\(baseURL)' is not an http(s) URL; pass --base-url or set SHESHA_LLM_BASE_URL"
        case .httpStatus(let status, let url, let excerpt, let attempts):
            "POST \(url) failed with HTTP \(status) after \(Self.attemptsText(attempts))"
                + (excerpt.isEmpty ? "" : ": \(excerpt)")
        case .timedOut(let timeout, let url, let attempts):
            "POST \(url) got no reply within \(timeout) after \(Self.attemptsText(attempts))"
        case .connectionFailed(let reason, let url, let attempts):
            "POST \(url) could not connect after \(Self.attemptsText(attempts)): \(reason)"
        case .malformedResponse(let reason, let url, let excerpt):
            "POST \(url) returned a reply that is not a chat completion (\(reason))"
                + (excerpt.isEmpty ? "" : ": \(excerpt)")
        }
    }

    public var errorDescription: String? { description }

    private static func attemptsText(_ attempts: Int) -> String {
        attempts == 1 ? "1 attempt" : "\(attempts) attempts"
    }

    /// `text` with every occurrence of `secret` replaced, then cut to `excerptLimit` characters.
    static func excerpt(_ text: String, hiding secret: String?) -> String {
        let scrubbed = scrub(text, hiding: secret)
        guard scrubbed.count > excerptLimit else { return scrubbed }
        return String(scrubbed.prefix(excerptLimit - 1)) + "…"
    }

    static func scrub(_ text: String, hiding secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return text }
        return text.replacingOccurrences(of: secret, with: "<redacted>")
    }
}
