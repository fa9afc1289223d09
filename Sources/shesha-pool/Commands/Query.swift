import ArgumentParser
import Foundation
import Glibc
import SheshaCommandLine
import SheshaSystem

extension SheshaPool {
    /// `query` is the program `shesha-pool-query` beside this one: its HTTP client links libcurl and some
    /// 30 libraries more, whose loading would double the start-up time of every other command. This entry
    /// only lists it in the help; `main` hands the command over before parsing.
    struct Query: ParsableCommand {
        static let commandName = "query"
        static let helperName = "shesha-pool-query"

        static let configuration = CommandConfiguration(
            commandName: commandName,
            abstract: "Answer a question about documents: a language model writes code that reads them in a sandbox."
        )

        /// Replaces this process with `shesha-pool-query ARGUMENTS`; exits 69 when it is not installed.
        static func handOver(_ arguments: [String]) -> Never {
            let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let helper = URL(filePath: own).deletingLastPathComponent().appending(path: helperName).path(percentEncoded: false)
            guard FileManager.default.isExecutableFile(atPath: helper) else {
                Console.error(
                    "query needs \(helperName) beside shesha-pool, at \(helper); build it with "
                        + "`swift build -c release --product \(helperName) --static-swift-stdlib` and copy it there"
                )
                Glibc.exit(ExitCodes.unavailable)
            }
            var argv = ([helper] + arguments).map { strdup($0) } + [nil]
            execv(helper, &argv)
            Console.error("cannot run \(helper): \(SystemError.last("execv", path: helper))")
            Glibc.exit(ExitCodes.unavailable)
        }
    }
}
