import ArgumentParser
import SheshaCommandLine
import FoundationEssentials
import PoolCore
import Sandbox
import SheshaSystem
import Glibc

extension SheshaPool {
    struct Exec: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec",
            abstract: "Run Python in the sandbox a holder has leased.",
            discussion: """
                The code runs in the holder's sandbox, whose names persist from one exec to the next until \
                the lease ends, so a shell can drive a sandbox across several calls:

                  shesha-pool acquire --holder job1 --owner-pid $$ >/dev/null
                  shesha-pool exec --holder job1 'x = 40'
                  shesha-pool exec --holder job1 'print(x + 2)'
                  shesha-pool release --holder job1

                What the code prints goes to stdout, and the value of a final expression is printed after it, \
                as in the interactive interpreter. Its stderr and any exception go to stderr, and an exception \
                exits 1. A sandbox that times out, breaks the protocol or runs into its memory or process \
                limit is discarded and the lease ends (exit 1).

                The lease must belong to the calling process (or --owner-pid) unless --force, as for \
                `release`; by --token, the token is the proof. Every request carries the lease's token, and \
                the sandbox refuses one older than the newest it has seen: if the lease ended meanwhile and \
                the sandbox passed to another holder, nothing runs and exec exits 75 saying so.
                """
        )

        @OptionGroup var global: GlobalOptions

        @OptionGroup var lease: LeaseOptions

        @Option(help: ArgumentHelp("Read the code from this file ('-' for stdin).", valueName: "file"))
        var file: String?

        @Option(help: ArgumentHelp("How long the code may run, e.g. 30s or 5m.", valueName: "duration"))
        var timeout = HumanDuration(argument: "30s")!

        @Flag(help: "Print the whole result (output, value, error, final answer) as JSON.")
        var json = false

        @Argument(help: ArgumentHelp("The Python code to run.", valueName: "code"))
        var code: String?

        func validate() throws {
            guard (code == nil) != (file == nil) else {
                throw ValidationError("pass the code as an argument or with --file, not both and not neither")
            }
            guard timeout.duration > .zero else {
                throw ValidationError("--timeout must be longer than 0 (got \(timeout))")
            }
        }

        func perform() async throws {
            let source = try readCode()
            let pool = try await global.openContainerPool()
            let lease = try await self.lease.ownedLease(in: pool.pool)
            let holder = lease.holder
            // The window a stale holder races through: its lease may end and its sandbox pass on here.
            await PausePoint.reached(.execBeforeConnect)
            let executor = ContainerExecutor(socketPath: SlotLayout(slot: lease.path).socket, token: lease.token)
            let result: ExecutionResult
            do {
                try await executor.connect(timeout: .seconds(10))
                result = await executor.execute(code: source, timeout: timeout.duration)
            } catch {
                await executor.close()
                try await pool.pool.discard(token: lease.token, reason: "its runner did not accept a connection: \(error)")
                throw CLIError.sandboxDiscarded(holder: holder, reason: "\(error)")
            }
            let needsDiscard = await executor.needsDiscard
            await executor.close()
            if json {
                Console.output(try Console.json(ExecOutput(result, discarded: needsDiscard)))
            } else {
                Console.passOutput(result.stdout)
                if let value = result.value { Console.output(value) }
                Console.passError(result.stderr)
                if let error = result.error {
                    let text = error.traceback.isEmpty ? "\(error.type): \(error.message)" : error.traceback
                    Console.passError(text.hasSuffix("\n") ? text : text + "\n")
                }
            }
            if let failure = result.failure, case .leaseEnded = failure {
                // The sandbox is sound and someone else's now: leave it alone.
                throw failure
            }
            if needsDiscard {
                let reason = result.failure.map { "\($0)" } ?? "its code ran into the sandbox's memory or process limit"
                try await pool.pool.discard(token: lease.token, reason: reason)
                throw CLIError.sandboxDiscarded(holder: holder, reason: reason)
            }
            if result.status != .ok {
                throw ExitCode(1)
            }
        }

        private func readCode() throws -> String {
            if let code { return code }
            guard let file else { return "" }
            let data: Data?
            if file == "-" {
                data = Data(try readToEnd(fileDescriptor: STDIN_FILENO, path: "standard input"))
            } else {
                data = FileManager.default.contents(atPath: file)
            }
            guard let data else {
                throw ValidationError("cannot read --file \(file); check the path and its permissions")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("--file \(file) is not UTF-8 text")
            }
            return text
        }
    }
}

/// `exec --json`: every field always present (null when it does not apply), so scripts can rely on the keys.
struct ExecOutput: Encodable {
    var result: ExecutionResult
    var discarded: Bool

    init(_ result: ExecutionResult, discarded: Bool) {
        self.result = result
        self.discarded = discarded
    }

    enum CodingKeys: String, CodingKey {
        case status, stdout, stderr, value, error, finalAnswer, finalVar, finalValue, limitHit, failure, discarded
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(result.status.rawValue, forKey: .status)
        try container.encode(result.stdout, forKey: .stdout)
        try container.encode(result.stderr, forKey: .stderr)
        try container.encode(result.value, forKey: .value)
        try container.encode(result.error, forKey: .error)
        try container.encode(result.finalAnswer, forKey: .finalAnswer)
        try container.encode(result.finalVar, forKey: .finalVar)
        try container.encode(result.finalValue, forKey: .finalValue)
        try container.encode(result.limitHit, forKey: .limitHit)
        try container.encode(result.failure.map { "\($0)" }, forKey: .failure)
        try container.encode(discarded, forKey: .discarded)
    }
}
