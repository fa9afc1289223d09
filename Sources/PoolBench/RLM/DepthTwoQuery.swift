import PoolTesting

/// A depth-2 query: the top query's code starts one child query (`rlm_query`), whose code sends 8 batched
/// sub-calls (`llm_query_batched`) and answers; the top query then answers. Each query level needs a
/// sandbox at once. The reply depends only on the request, so any number of queries can run.
enum DepthTwoQuery {
    static let documents = [String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 200)]
    static let question = "TOP: what is the text about?"
    static let childQuestion = "CHILD: what are the parts about?"
    static let expectedAnswer = "child: 8 of 8 parts about a fox"
    static let batchSize = 8

    static func reply(to request: RecordedRequest, index _: Int) -> ScriptedReply {
        // A sub-call is a lone user message; a query's first turn is system + user.
        guard request.messages.count > 1 else { return .completion("a fox", promptTokens: 40, completionTokens: 2) }
        let firstTurn = request.messages[1].content
        if firstTurn.contains(childQuestion) {
            return .completion(
                """
                ```repl
                size = len(context[0]) // \(batchSize)
                parts = [context[0][i * size:(i + 1) * size] for i in range(\(batchSize))]
                topics = llm_query_batched([('What is this part about?', part) for part in parts])
                FINAL('%d of %d parts about %s' % (topics.count('a fox'), len(parts), topics[0]))
                ```
                """,
                promptTokens: 300,
                completionTokens: 60
            )
        }
        return .completion(
            "```repl\nFINAL('child: ' + rlm_query('\(childQuestion)', context[0]))\n```",
            promptTokens: 300,
            completionTokens: 20
        )
    }
}
