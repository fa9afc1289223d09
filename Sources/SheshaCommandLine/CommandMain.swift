public import ArgumentParser
import Glibc

extension AsyncParsableCommand {
    /// Like `AsyncParsableCommand.main()`, but domain errors print one line on stderr and exit with
    /// their documented code instead of 1, `--db`/`--pool` may come before the command, and a negative
    /// number is reported as such.
    public static func runAsShesha(_ arguments: [String]) async -> Never {
        // Past a file size limit (ulimit -f) a write raises SIGXFSZ, which kills the process when the writing
        // thread does not block it (the main thread does not; Dispatch's worker threads do). Caught, the
        // write fails with EFBIG, reported like any other error. A handler, unlike SIG_IGN, is reset by
        // exec, so git and `run`'s command keep the default.
        signal(SIGXFSZ) { _ in }
        var command: any ParsableCommand
        do {
            // Parsed on the calling thread: the asynchronous parse, for asynchronous completion functions
            // (none here), first hopped to a new thread of Swift's pool, about 0.5 ms of every command.
            command = try parseAsRoot(LeadingGlobalOptions.moveAfterCommand(arguments))
        } catch {
            // The parser takes `-1` for an option, and then reports a value as missing. (Words after `--`
            // belong to `run`'s command.)
            let ownWords = Array(arguments.prefix { $0 != "--" })
            if exitCode(for: error) == .validationFailure,
                let index = ownWords.firstIndex(where: { Int($0) ?? 0 < 0 })
            {
                let subject = index > 0 && ownWords[index - 1].hasPrefix("--") ? ownWords[index - 1] : "the count"
                Console.error("\(subject) cannot be negative (got \(ownWords[index]))")
                exit(withError: ExitCode(ExitCodes.usage))
            }
            exit(withError: error)
        }
        do {
            if var sheshaCommand = command as? any SheshaCommand {
                try await sheshaCommand.perform()
            } else if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let code = ExitCodes.code(for: error) {
                Console.error("\(ExitCodes.message(for: error))")
                exit(withError: ExitCode(code))
            }
            exit(withError: error)
        }
        exit(withError: nil)
    }
}
