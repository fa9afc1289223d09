import Foundation
import Synchronization
import SheshaSystem

/// One request the scripted server received.
public struct RecordedRequest: Sendable {
    public var method: String
    public var path: String
    /// Header names are lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: String
    /// The `messages` of the chat completion request, in order (empty if the body was not one).
    public var messages: [(role: String, content: String)]
    public var model: String?
}

/// What the scripted server answers to one request.
public enum ScriptedReply: Sendable {
    /// HTTP 200 with an OpenAI chat.completion whose `choices[0].message.content` is the string.
    case completion(String, promptTokens: Int = 10, completionTokens: Int = 5)
    /// Any status with a raw body, and optionally a `Retry-After` header.
    case status(Int, body: String = "", retryAfter: String? = nil)
    /// Waits, then answers; for timeout tests (the wait ends early when the server stops).
    indirect case delay(Duration, then: ScriptedReply)
    /// Waits until `count` requests have been in progress at once (at any moment so far), then answers:
    /// a client that never sends that many together never gets this answer (until the server stops).
    indirect case afterConcurrent(Int, then: ScriptedReply)
}

/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that answers POST /v1/chat/completions with
/// scripted replies, so LLM clients and the engine run over real sockets without a real model.
///
/// `@unchecked Sendable`: the listening descriptor and port never change after `init`; everything that
/// changes (requests, open connections, the stopped flag) sits in `state`, behind a Mutex.
public final class ScriptedLLMServer: @unchecked Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var connections: Set<Int32> = []
        var isStopped = false
        var inFlight = 0
        var maxInFlight = 0
    }

    private let respond: @Sendable (RecordedRequest, Int) -> ScriptedReply
    private let listener: Int32
    private let port: UInt16
    private let state = Mutex(State())
    /// Wakes `.delay` replies when the server stops, so no thread outlives `stop()` by a whole delay.
    private let stopSignal = NSCondition()
    private let acceptLoopEnded = DispatchSemaphore(value: 0)

    /// Starts a real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) answering POST /v1/chat/completions
    /// (OpenAI's request/response JSON) by asking `respond` for each request in arrival order.
    public init(respond: @escaping @Sendable (RecordedRequest, _ index: Int) -> ScriptedReply) throws {
        self.respond = respond
        (listener, port) = try Self.listenOnLoopback()
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "ScriptedLLMServer accept"
        thread.start()
    }

    /// Convenience: replies in this order; past the end, a 500 saying the script ran out.
    public convenience init(replies: [ScriptedReply]) throws {
        try self.init { _, index in
            guard index < replies.count else {
                return .status(500, body: "ScriptedLLMServer: the script ran out after \(replies.count) replies")
            }
            return replies[index]
        }
    }

    /// "http://127.0.0.1:PORT/v1"
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The chat completion requests received so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The most chat completion requests that were in progress at once (received, not yet answered).
    public var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    /// Stops accepting, closes every open connection and wakes pending delays. Safe to call twice.
    public func stop() {
        let connections: Set<Int32>? = state.withLock { state in
            guard !state.isStopped else { return nil }
            state.isStopped = true
            return state.connections
        }
        guard let connections else { return }
        stopSignal.lock()
        stopSignal.broadcast()
        stopSignal.unlock()
        // shutdown (not close) wakes a thread blocked in accept or recv; each owner closes its own descriptor.
        for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
        shutdown(listener, Int32(SHUT_RDWR))
        acceptLoopEnded.wait()
    }

    private var isStopped: Bool { state.withLock { $0.isStopped } }

    private static func listenOnLoopback() throws -> (Int32, UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ScriptedLLMServerError.socketCall("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                guard bind(descriptor, generic, length) == 0, listen(descriptor, 64) == 0 else { return false }
                return getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(descriptor)
            throw ScriptedLLMServerError.socketCall("bind/listen", code)
        }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            let isAccepted = state.withLock { state in
                guard !state.isStopped else { return false }
                state.connections.insert(connection)
                return true
            }
            guard isAccepted else {
                close(connection)
                break
            }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "ScriptedLLMServer connection"
            thread.start()
        }
        close(listener)
        acceptLoopEnded.signal()
    }

    /// Answers requests on one connection until the client closes it, asks to close, or the server stops.
    private func serve(_ connection: Int32) {
        var reader = HTTPRequestReader(descriptor: connection)
        while !isStopped, let request = reader.nextRequest() {
            let wantsClose = request.headers["connection"]?.lowercased() == "close"
            let reply: ScriptedReply
            if request.method == "POST" && request.path.hasSuffix("/chat/completions") {
                let index = state.withLock { state in
                    state.requests.append(request)
                    state.inFlight += 1
                    state.maxInFlight = max(state.maxInFlight, state.inFlight)
                    return state.requests.count - 1
                }
                wakeWaiters()
                reply = respond(request, index)
            } else {
                reply = .status(404, body: "ScriptedLLMServer answers only POST /v1/chat/completions, not \(request.method) \(request.path)")
            }
            let response = render(reply, model: request.model, keepAlive: !wantsClose)
            let isSent = response.map { sendAll($0, on: connection) } ?? false
            if request.method == "POST" && request.path.hasSuffix("/chat/completions") {
                state.withLock { $0.inFlight -= 1 }
            }
            guard isSent, !wantsClose else { break }
        }
        state.withLock { _ = $0.connections.remove(connection) }
        close(connection)
    }

    private func wakeWaiters() {
        stopSignal.lock()
        stopSignal.broadcast()
        stopSignal.unlock()
    }

    /// The bytes to send for `reply`, or nil if the server stopped during a delay.
    private func render(_ reply: ScriptedReply, model: String?, keepAlive: Bool) -> Data? {
        switch reply {
        case .delay(let duration, let then):
            let deadline = Date(timeIntervalSinceNow: duration.timeInterval)
            stopSignal.lock()
            while !isStopped && Date() < deadline { _ = stopSignal.wait(until: deadline) }
            stopSignal.unlock()
            return isStopped ? nil : render(then, model: model, keepAlive: keepAlive)
        case .afterConcurrent(let count, let then):
            stopSignal.lock()
            while !isStopped && state.withLock({ $0.maxInFlight }) < count { stopSignal.wait() }
            stopSignal.unlock()
            return isStopped ? nil : render(then, model: model, keepAlive: keepAlive)
        case .completion(let content, let promptTokens, let completionTokens):
            let body = ChatCompletionBody(
                model: model ?? "scripted", content: content, promptTokens: promptTokens,
                completionTokens: completionTokens)
            // Encoding plain strings and integers does not fail; should it ever, the client sees a 500.
            guard let json = try? JSONEncoder().encode(body) else {
                return Self.response(status: 500, headers: [], body: Data("cannot encode the reply".utf8), keepAlive: keepAlive)
            }
            return Self.response(status: 200, headers: ["Content-Type: application/json"], body: json, keepAlive: keepAlive)
        case .status(let status, let body, let retryAfter):
            var headers = [body.hasPrefix("{") ? "Content-Type: application/json" : "Content-Type: text/plain"]
            if let retryAfter { headers.append("Retry-After: \(retryAfter)") }
            return Self.response(status: status, headers: headers, body: Data(body.utf8), keepAlive: keepAlive)
        }
    }

    private static func response(status: Int, headers: [String], body: Data, keepAlive: Bool) -> Data {
        let lines = ["HTTP/1.1 \(status) \(reasonPhrases[status] ?? "Status \(status)")"] + headers + [
            "Content-Length: \(body.count)", "Connection: \(keepAlive ? "keep-alive" : "close")",
        ]
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    private func sendAll(_ data: Data, on connection: Int32) -> Bool {
        data.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let result = send(connection, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return false }
                sent += result
            }
            return true
        }
    }
}

private let reasonPhrases = [
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
]

/// Why the scripted server could not start.
public enum ScriptedLLMServerError: Error, CustomStringConvertible {
    case socketCall(String, Int32)

    public var description: String {
        switch self {
        case .socketCall(let call, let code): "ScriptedLLMServer: \(SystemError(call: call, code: code))"
        }
    }
}

/// OpenAI's chat.completion response, as much of it as clients read.
private struct ChatCompletionBody: Encodable {
    struct Choice: Encodable {
        struct Message: Encodable {
            var role = "assistant"
            var content: String
        }

        var index = 0
        var message: Message
        var finish_reason = "stop"
    }

    struct Usage: Encodable {
        var prompt_tokens: Int
        var completion_tokens: Int
        var total_tokens: Int
    }

    var id = "chatcmpl-scripted"
    var object = "chat.completion"
    var created = 0
    var model: String
    var choices: [Choice]
    var usage: Usage

    init(model: String, content: String, promptTokens: Int, completionTokens: Int) {
        self.model = model
        choices = [Choice(message: Choice.Message(content: content))]
        usage = Usage(
            prompt_tokens: promptTokens, completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens)
    }
}

/// Reads HTTP/1.1 requests (Content-Length bodies) one after another from a connection.
private struct HTTPRequestReader {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next request, or nil when the connection closed or sent something that is not HTTP.
    mutating func nextRequest() -> RecordedRequest? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd = buffer.firstRange(of: separator)
        while headerEnd == nil {
            guard receiveMore() else { return nil }
            headerEnd = buffer.firstRange(of: separator)
        }
        guard let headerEnd, let head = String(bytes: buffer[..<headerEnd.lowerBound], encoding: .utf8) else {
            return nil
        }
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyLength = headers["content-length"].flatMap { Int($0) } ?? 0
        let bodyStart = headerEnd.upperBound
        if buffer.count - bodyStart < bodyLength && headers["expect"]?.lowercased() == "100-continue" {
            let interim = Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)
            _ = interim.withUnsafeBytes { send(descriptor, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        while buffer.count - bodyStart < bodyLength {
            guard receiveMore() else { return nil }
        }
        let body = String(decoding: buffer[bodyStart..<bodyStart + bodyLength], as: UTF8.self)
        buffer.removeSubrange(..<(bodyStart + bodyLength))
        let (messages, model) = Self.decodeChatRequest(body)
        return RecordedRequest(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body,
            messages: messages, model: model)
    }

    private mutating func receiveMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }

    private static func decodeChatRequest(_ body: String) -> ([(role: String, content: String)], String?) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            return ([], nil)
        }
        let messages = (object["messages"] as? [[String: Any]] ?? []).map { message in
            (role: message["role"] as? String ?? "", content: message["content"] as? String ?? "")
        }
        return (messages, object["model"] as? String)
    }
}

extension Duration {
    fileprivate var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
