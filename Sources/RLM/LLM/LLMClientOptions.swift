public import Foundation

/// Where and how `LLMClient` talks to an OpenAI-compatible chat completions endpoint.
public struct LLMClientOptions: Sendable {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// The API root, e.g. "https://api.openai.com/v1"; requests go to `{baseURL}/chat/completions`.
    public var baseURL: String
    public var model: String
    /// Sent as `Authorization: Bearer <key>` when set; never printed (see `description`).
    public var apiKey: String?
    /// How long one attempt may take, from sending the request to the last byte of the reply.
    public var requestTimeout: Duration
    /// Attempts after the first one, for 429, 5xx, connection errors and timeouts.
    public var maxRetries: Int
    /// The backoff ceiling before the first retry; it doubles per retry up to `maxBackoff`.
    public var initialBackoff: Duration
    /// The longest wait between attempts, also the cap on a server's `Retry-After`.
    public var maxBackoff: Duration

    public init(
        baseURL: String = LLMClientOptions.defaultBaseURL,
        model: String,
        apiKey: String? = nil,
        requestTimeout: Duration = .seconds(60),
        maxRetries: Int = 4,
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(20)
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.requestTimeout = requestTimeout
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Options from explicit values, else `SHESHA_LLM_BASE_URL`, `SHESHA_LLM_MODEL` and `OPENAI_API_KEY` in
    /// `environment`; empty values count as missing. Throws `LLMError.missingModel` when neither names a model.
    public static func fromEnvironment(
        baseURL: String? = nil,
        model: String? = nil,
        apiKey: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(LLMError) -> LLMClientOptions {
        func firstValue(_ explicit: String?, _ variable: String) -> String? {
            [explicit, environment[variable]].lazy.compactMap { $0 }.first { !$0.isEmpty }
        }
        guard let model = firstValue(model, "SHESHA_LLM_MODEL") else { throw .missingModel }
        return LLMClientOptions(
            baseURL: firstValue(baseURL, "SHESHA_LLM_BASE_URL") ?? defaultBaseURL,
            model: model,
            apiKey: firstValue(apiKey, "OPENAI_API_KEY"))
    }
}

extension LLMClientOptions: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "LLMClientOptions(baseURL: \(baseURL), model: \(model), apiKey: \(apiKey == nil ? "none" : "<redacted>"), "
            + "requestTimeout: \(requestTimeout), maxRetries: \(maxRetries))"
    }

    public var debugDescription: String { description }

    /// Keeps the key out of `dump` and test failure output too.
    public var customMirror: Mirror {
        Mirror(self, children: ["description": description])
    }
}
