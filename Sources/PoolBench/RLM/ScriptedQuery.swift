import PoolTesting

/// The query both engine workloads answer: two model turns and one sub-call, over real HTTP to a scripted
/// server, with code running in the sandbox each turn. The reply depends only on the request, so any
/// number of queries can run against one server.
enum ScriptedQuery {
    static let documents = [String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 200)]
    static let question = "How many words are there, and what is the text about?"
    static let expectedAnswer = "1800 words: a fox"

    static func reply(to request: RecordedRequest, index _: Int) -> ScriptedReply {
        // A sub-call is a lone user message; the main loop's first turn has system + user, its second four.
        switch request.messages.count {
        case 1:
            return .completion("a fox", promptTokens: 40, completionTokens: 2)
        case 2:
            return .completion(
                """
                ```repl
                words = len(context[0].split())
                topic = llm_query('What is this text about, in two words?', context[0][:500])
                print(words, topic)
                ```
                """,
                promptTokens: 300,
                completionTokens: 40
            )
        default:
            return .completion(
                "```repl\nFINAL(f'{words} words: {topic}')\n```",
                promptTokens: 400,
                completionTokens: 12
            )
        }
    }
}
