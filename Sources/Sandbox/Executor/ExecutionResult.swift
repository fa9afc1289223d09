/// What running code in a sandbox gave: the runner's result, or a host-side `failure`.
public struct ExecutionResult: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        case ok
        case error
    }

    /// An exception the code raised (any `BaseException`, `SystemExit` included).
    public struct PythonException: Codable, Hashable, Sendable {
        /// The exception's class name, such as "NameError".
        public var type: String
        public var message: String
        public var traceback: String

        public init(type: String, message: String, traceback: String) {
            self.type = type
            self.message = message
            self.traceback = traceback
        }
    }

    public var status: Status
    /// What the code printed.
    public var stdout: String
    public var stderr: String
    /// `repr()` of the last statement's value when it is an expression that is not `None`.
    public var value: String?
    public var error: PythonException?
    /// `str(answer)` when the code called `FINAL(answer)`.
    public var finalAnswer: String?
    /// The name and `str()` of the value when the code called `FINAL_VAR(name)`.
    public var finalVar: String?
    public var finalValue: String?
    /// The code ran into a resource limit (memory, processes): the sandbox must be discarded.
    public var limitHit: Bool
    /// Set when the host, not the code, failed: the runner broke the protocol or did not answer in time.
    /// `status` is then `.error` and the other fields are empty.
    public var failure: SandboxProtocolError?

    public init(
        status: Status,
        stdout: String = "",
        stderr: String = "",
        value: String? = nil,
        error: PythonException? = nil,
        finalAnswer: String? = nil,
        finalVar: String? = nil,
        finalValue: String? = nil,
        limitHit: Bool = false,
        failure: SandboxProtocolError? = nil
    ) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.value = value
        self.error = error
        self.finalAnswer = finalAnswer
        self.finalVar = finalVar
        self.finalValue = finalValue
        self.limitHit = limitHit
        self.failure = failure
    }

    /// The result of an execution the host could not complete.
    public init(failure: SandboxProtocolError) {
        self.init(status: .error, failure: failure)
    }
}
