import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client for OpenAI-compatible chat completions (POST `{baseURL}/chat/completions`) that retries 429,
/// 5xx, connection failures and timeouts with backoff, and reports failures without the API key.
public struct LLMClient: ChatCompleting {
    public let options: LLMClientOptions
    private let waiting: RetryWaiting
    private let endpoint: URL
    private let sessionOwner: SessionOwner
    private var session: URLSession { sessionOwner.session }

    public init(options: LLMClientOptions, waiting: RetryWaiting = .live) throws(LLMError) {
        let root = options.baseURL.hasSuffix("/") ? String(options.baseURL.dropLast()) : options.baseURL
        guard let endpoint = URL(string: root + "/chat/completions"),
            ["http", "https"].contains(endpoint.scheme?.lowercased()), endpoint.host != nil
        else { throw .invalidBaseURL(LLMError.scrub(options.baseURL, hiding: options.apiKey)) }
        self.options = options
        self.waiting = waiting
        self.endpoint = endpoint
        let configuration = URLSessionConfiguration.ephemeral
        // Only a backstop: `send` enforces the exact timeout (see there).
        configuration.timeoutIntervalForRequest = options.requestTimeout.seconds.rounded(.up) + 1
        configuration.timeoutIntervalForResource = configuration.timeoutIntervalForRequest
        sessionOwner = SessionOwner(session: URLSession(configuration: configuration))
    }

    public var modelName: String? { options.model }

    public func complete(_ messages: [ChatMessage]) async throws -> ChatCompletion {
        let request = try makeRequest(messages)
        let url = LLMError.scrub(endpoint.absoluteString, hiding: options.apiKey)
        var attempts = 0
        while true {
            attempts += 1
            switch try await attempt(request, url: url, number: attempts) {
            case .completed(let completion):
                return completion
            case .retryable(let failure, let retryAfter):
                guard attempts <= options.maxRetries else { throw failure }
                try await waiting.sleep(
                    waiting.delay(
                        retry: attempts - 1, retryAfter: retryAfter, initial: options.initialBackoff,
                        maximum: options.maxBackoff))
            }
        }
    }

    private enum AttemptOutcome {
        case completed(ChatCompletion)
        /// 429, 5xx, a timeout or a connection failure, with the server's `Retry-After` if it sent one.
        case retryable(LLMError, retryAfter: String?)
    }

    /// Sends the request once; throws errors that retrying cannot fix (4xx, malformed replies, cancellation).
    private func attempt(_ request: URLRequest, url: String, number: Int) async throws -> AttemptOutcome {
        do {
            let (data, response) = try await send(request)
            let httpResponse = response as? HTTPURLResponse
            let status = httpResponse?.statusCode ?? 0
            if (200..<300).contains(status) {
                return .completed(try decode(data, url: url))
            }
            let failure = LLMError.httpStatus(status, url: url, bodyExcerpt: excerpt(data), attempts: number)
            guard status == 429 || (500...599).contains(status) else { throw failure }
            return .retryable(failure, retryAfter: httpResponse?.value(forHTTPHeaderField: "Retry-After"))
        } catch let error as URLError where error.code == .cancelled {
            throw CancellationError()
        } catch let error as URLError where error.code == .timedOut {
            return .retryable(.timedOut(after: options.requestTimeout, url: url, attempts: number), retryAfter: nil)
        } catch let error as URLError {
            let reason = LLMError.scrub(error.localizedDescription, hiding: options.apiKey)
            let failure = LLMError.connectionFailed(reason, url: url, attempts: number)
            guard Self.transientConnectionErrors.contains(error.code) else { throw failure }
            return .retryable(failure, retryAfter: nil)
        }
    }

    /// Connection failures that may pass; TLS and URL errors will not, so they fail at once.
    private static let transientConnectionErrors: Set<URLError.Code> = [
        .cannotConnectToHost, .networkConnectionLost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet,
        .badServerResponse, .resourceUnavailable,
    ]

    /// One exchange, bounded by `requestTimeout`. URLSession on Linux truncates its timeouts to whole
    /// seconds (0.5 s times out at once, 1.5 s after 1 s), so the deadline is a racing sleep; the loser is
    /// cancelled, and cancelling the caller cancels both.
    private func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let session = session
        let timeout = options.requestTimeout
        return try await withThrowingTaskGroup(of: (Data, URLResponse)?.self) { group in
            group.addTask { try await session.data(for: request) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let exchange = try await group.next() ?? nil else { throw URLError(.timedOut) }
            return exchange
        }
    }

    private func makeRequest(_ messages: [ChatMessage]) throws -> URLRequest {
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey = options.apiKey, !apiKey.isEmpty {
            request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        }
        request.httpBody = try JSONEncoder().encode(ChatCompletionRequestBody(model: options.model, messages: messages))
        return request
    }

    private func decode(_ data: Data, url: String) throws(LLMError) -> ChatCompletion {
        let body: ChatCompletionResponseBody
        do {
            body = try JSONDecoder().decode(ChatCompletionResponseBody.self, from: data)
        } catch {
            throw .malformedResponse("invalid JSON", url: url, bodyExcerpt: excerpt(data))
        }
        guard let content = body.choices.first?.message.content else {
            throw .malformedResponse("no choices[0].message.content", url: url, bodyExcerpt: excerpt(data))
        }
        return ChatCompletion(content: content, usage: body.tokenUsage)
    }

    private func excerpt(_ data: Data) -> String {
        LLMError.excerpt(String(decoding: data, as: UTF8.self), hiding: options.apiKey)
    }
}

/// Invalidates the session when the last copy of the client goes away; a URLSession is not freed until
/// it is invalidated.
private final class SessionOwner: Sendable {
    let session: URLSession

    init(session: URLSession) {
        self.session = session
    }

    deinit {
        session.finishTasksAndInvalidate()
    }
}

extension Duration {
    /// Seconds as Foundation's `TimeInterval`, for URLSession's timeouts.
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
