import Dispatch
public import PoolCore

/// Talks to one sandbox's REPL runner over its Unix socket: sets up documents, executes code, answers
/// the code's `llm_query` calls, resets the namespace.
///
/// The socket is connected on first use (or by `connect(timeout:)`) and kept until `close()`; the
/// runner's namespace outlives the connection, so another executor (or process) can carry on later.
/// Calls run one at a time, in order. Blocking socket work runs on the executor's own dispatch queue,
/// never on Swift's cooperative threads.
///
/// Every request that acts (setup, execute, reset) carries the lease's fencing token. When the runner has
/// seen a newer one, the lease has ended: the call fails with `SandboxProtocolError.leaseEnded`, and so
/// does every later call, but the sandbox is sound and belongs to its new holder (`needsDiscard` stays
/// false).
///
/// A runner that breaks the protocol (see `SandboxProtocolError`) or does not answer in time makes the
/// executor unusable: the connection is closed, `protocolError` is set, every later call fails at once
/// with it, and `needsDiscard` tells the pool to destroy the sandbox.
public actor ContainerExecutor {
    /// Answers an `llm_query(instruction, content)` from the code; a thrown error raises RuntimeError
    /// with its description inside the code.
    public typealias LLMQueryHandler = @Sendable (_ instruction: String, _ content: String) async throws -> String

    public nonisolated let socketPath: String
    /// The lease's fencing token, sent with every request that acts; nil for an executor that only pings.
    public nonisolated let token: FencingToken?
    /// Why the executor stopped, if it did.
    public private(set) var protocolError: SandboxProtocolError?
    /// The runner's refusal of this executor's token (`leaseEnded`), if it came.
    public private(set) var leaseEnded: SandboxProtocolError?
    private var hitLimit = false
    private var llmQueryHandler: LLMQueryHandler?
    private var batchedLLMQueryHandler: BatchedLLMQueryHandler?
    private var rlmQueryHandler: RLMQueryHandler?
    private var channel: LineChannel?
    private let queue = DispatchQueue(label: "shesha-pool.container-executor")
    private var isBusy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// True after a protocol error, or after code ran into a resource limit: the sandbox must not be
    /// handed to anyone else.
    public var needsDiscard: Bool { protocolError != nil || hitLimit }

    /// What `execute` reads its deadline from (tests make it jump).
    private let clock: DeadlineClock

    /// An executor acting for the lease with `token`.
    public init(socketPath: String, token: FencingToken) {
        self.init(socketPath: socketPath, token: token, clock: .continuous)
    }

    init(socketPath: String, token: FencingToken, clock: DeadlineClock) {
        self.socketPath = socketPath
        self.token = token
        self.clock = clock
    }

    /// An executor that can only ping (a health check, a new sandbox's first answer): the runner refuses
    /// anything else it sends.
    init(pingingOnly socketPath: String) {
        self.socketPath = socketPath
        self.token = nil
        self.clock = .continuous
    }

    public func setLLMQueryHandler(_ handler: LLMQueryHandler?) {
        llmQueryHandler = handler
    }

    /// Sets (or with nils, clears) what answers the code's `llm_query_batched` and `rlm_query`.
    public func setSubcallHandlers(batched: BatchedLLMQueryHandler?, recursive: RLMQueryHandler?) {
        batchedLLMQueryHandler = batched
        rlmQueryHandler = recursive
    }

    /// Connects now, waiting up to `timeout` for a runner to accept (a starting sandbox may not listen
    /// yet). Does nothing when connected.
    public func connect(timeout: Duration = .seconds(10)) async throws(SandboxProtocolError) {
        try await exclusively { () async throws(SandboxProtocolError) in
            _ = try await connectedChannel(Deadline("connect", timeout: timeout))
        }
    }

    public func ping(timeout: Duration = .seconds(10)) async throws(SandboxProtocolError) {
        try await request(.ping, expecting: "pong", deadline: Deadline("ping", timeout: timeout))
    }

    /// Sets the variable `context` to `documents` in the namespace.
    public func setupContext(_ documents: [String], timeout: Duration = .seconds(30)) async throws(SandboxProtocolError)
    {
        try await request(
            .setup(context: documents, token: token),
            expecting: "ok",
            deadline: Deadline("setup", timeout: timeout)
        )
    }

    /// Clears the namespace (builtins and helpers stay, `context` becomes empty), stops the processes the
    /// code started and empties the box.
    public func resetNamespace(timeout: Duration = .seconds(30)) async throws(SandboxProtocolError) {
        try await request(.reset(token: token), expecting: "ok", deadline: Deadline("reset", timeout: timeout))
    }

    /// Runs `code` in the namespace. Never throws: a failure of the host (a protocol error, the
    /// deadline) comes back as a result with status `.error` and `failure` set.
    ///
    /// `timeout` covers the whole call, `llm_query` round trips included, except the time the host's
    /// `LLMQueryHandler` takes to answer.
    public func execute(code: String, timeout: Duration) async -> ExecutionResult {
        do {
            return try await exclusively { () async throws(SandboxProtocolError) in
                var deadline = Deadline("execute", timeout: timeout, clock: clock)
                let channel = try await connectedChannel(deadline)
                try await send(.execute(code: code, token: token), on: channel, deadline: deadline)
                while true {
                    switch try await receive(on: channel, deadline: deadline) {
                    case .llmQuery(let instruction, let content):
                        let asked = clock.now()
                        let answer = await answer(instruction: instruction, content: content)
                        deadline.extend(by: clock.now() - asked)
                        try await send(answer, on: channel, deadline: deadline)
                    case .llmQueryBatched(let count):
                        var pairs: [LLMQueryPair] = []
                        for _ in 0..<count {
                            guard
                                case .llmQueryItem(let instruction, let content) = try await receive(
                                    on: channel,
                                    deadline: deadline
                                )
                            else { throw .unexpectedMessage(type: "other", expected: "\"llm_query_item\"") }
                            pairs.append(LLMQueryPair(instruction: instruction, content: content))
                        }
                        let asked = clock.now()
                        let answers = await answerBatch(pairs)
                        deadline.extend(by: clock.now() - asked)
                        try await send(answers, on: channel, deadline: deadline)
                    case .rlmQuery(let question, let content):
                        let asked = clock.now()
                        let answer = await answerChild(question: question, content: content)
                        deadline.extend(by: clock.now() - asked)
                        try await send(answer, on: channel, deadline: deadline)
                    case .result(let result):
                        hitLimit = hitLimit || result.limitHit
                        return result
                    case .error(let message):
                        throw .requestRejected(message)
                    case .staleLease(let message):
                        throw .leaseEnded(message)
                    case let other:
                        throw .unexpectedMessage(
                            type: other.type,
                            expected: "\"llm_query\", \"llm_query_batched\", \"rlm_query\" or \"result\""
                        )
                    }
                }
            }
        } catch {
            return ExecutionResult(failure: error)
        }
    }

    /// Closes the connection (after the call in progress, if any). A later call connects again, unless
    /// a protocol error ended the executor.
    public func close() async {
        await acquire()
        channel?.close()
        channel = nil
        release()
    }

    // MARK: Requests

    private func request(
        _ message: HostMessage,
        expecting reply: String,
        deadline: Deadline
    )
        async throws(SandboxProtocolError)
    {
        try await exclusively { () async throws(SandboxProtocolError) in
            let channel = try await connectedChannel(deadline)
            try await send(message, on: channel, deadline: deadline)
            let answer = try await receive(on: channel, deadline: deadline)
            if case .error(let message) = answer { throw .requestRejected(message) }
            if case .staleLease(let message) = answer { throw .leaseEnded(message) }
            guard answer.type == reply else { throw .unexpectedMessage(type: answer.type, expected: "\"\(reply)\"") }
        }
    }

    private func answer(instruction: String, content: String) async -> HostMessage {
        guard let llmQueryHandler else { return .llmError("no llm_query handler is set on the host") }
        do {
            return .llmAnswer(try await llmQueryHandler(instruction, content))
        } catch {
            return .llmError("\(error)")
        }
    }

    private func answerBatch(_ pairs: [LLMQueryPair]) async -> HostMessage {
        guard let batchedLLMQueryHandler else {
            return .llmBatchAnswer(pairs.map { _ in .init(error: "no llm_query_batched handler is set on the host") })
        }
        let results = await batchedLLMQueryHandler(pairs)
        guard results.count == pairs.count else {
            return .llmBatchAnswer(pairs.map { _ in .init(error: "the host answered a batch with the wrong count") })
        }
        return .llmBatchAnswer(
            results.map { result in
                switch result {
                case .success(let answer): .init(answer: answer)
                case .failure(let error): .init(error: "\(error)")
                }
            }
        )
    }

    private func answerChild(question: String, content: String) async -> HostMessage {
        guard let rlmQueryHandler else { return .llmError("no rlm_query handler is set on the host") }
        do {
            return .llmAnswer(try await rlmQueryHandler(question, content))
        } catch {
            return .llmError("\(error)")
        }
    }

    private func connectedChannel(_ deadline: Deadline) async throws(SandboxProtocolError) -> LineChannel {
        if let channel { return channel }
        let path = socketPath
        let channel = try await onQueue { () throws(SandboxProtocolError) in
            try LineChannel.connect(to: path, deadline: deadline)
        }
        self.channel = channel
        return channel
    }

    private func send(
        _ message: HostMessage,
        on channel: LineChannel,
        deadline: Deadline
    )
        async throws(SandboxProtocolError)
    {
        let line = try message.line()
        try await onQueue { () throws(SandboxProtocolError) in try channel.send(line, deadline: deadline) }
    }

    private func receive(
        on channel: LineChannel,
        deadline: Deadline
    ) async throws(SandboxProtocolError)
        -> RunnerMessage
    {
        let line = try await onQueue { () throws(SandboxProtocolError) in try channel.receiveLine(deadline: deadline) }
        return try RunnerMessage.parse(line)
    }

    /// Runs blocking socket work on the executor's queue and waits for it without holding a thread.
    private func onQueue<T: Sendable>(
        _ work: @escaping @Sendable () throws(SandboxProtocolError) -> T
    ) async throws(SandboxProtocolError) -> T {
        let outcome = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, SandboxProtocolError>, Never>) in
            queue.async { continuation.resume(returning: Result(catching: work)) }
        }
        return try outcome.get()
    }

    // MARK: One call at a time

    /// Runs `body` alone (the actor would otherwise interleave calls at their awaits, mixing their lines on
    /// the socket), after failing fast on an earlier protocol error or refusal; a new protocol error ends
    /// the executor, and so does a refusal, without blaming the sandbox.
    private func exclusively<T>(
        _ body: () async throws(SandboxProtocolError) -> T
    ) async throws(SandboxProtocolError) -> T {
        await acquire()
        defer { release() }
        if let protocolError { throw protocolError }
        if let leaseEnded { throw leaseEnded }
        do {
            return try await body()
        } catch {
            if case .leaseEnded = error {
                leaseEnded = error
            } else if !error.isRetryable {
                protocolError = error
            }
            channel?.close()
            channel = nil
            throw error
        }
    }

    private func acquire() async {
        guard isBusy else {
            isBusy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            isBusy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
