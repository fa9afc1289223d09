import Testing

@testable import RLM

/// Where the client's settings come from: explicit values first, then the environment, then defaults.
@Suite("LLM client options from the environment")
struct LLMClientOptionsTests {
    let environment = [
        "SHESHA_LLM_BASE_URL": "http://env.example:8080/v1",
        "SHESHA_LLM_MODEL": "env-model",
        "OPENAI_API_KEY": "env-key",
    ]

    @Test("the environment fills in what the options leave out")
    func environmentFallbacks() throws {
        let options = try LLMClientOptions.fromEnvironment(environment: environment)
        #expect(options.baseURL == "http://env.example:8080/v1")
        #expect(options.model == "env-model")
        #expect(options.apiKey == "env-key")
    }

    @Test("explicit values win over the environment")
    func explicitValuesWin() throws {
        let options = try LLMClientOptions.fromEnvironment(
            baseURL: "http://flag.example/v1", model: "flag-model", apiKey: "flag-key", environment: environment)
        #expect(options.baseURL == "http://flag.example/v1")
        #expect(options.model == "flag-model")
        #expect(options.apiKey == "flag-key")
    }

    @Test("empty values count as missing; the base URL defaults to OpenAI's and the key to none")
    func emptyAndDefaults() throws {
        let options = try LLMClientOptions.fromEnvironment(
            baseURL: "", environment: ["SHESHA_LLM_MODEL": "env-model", "OPENAI_API_KEY": ""])
        #expect(options.baseURL == "https://api.openai.com/v1")
        #expect(options.apiKey == nil)
        #expect(options.requestTimeout == .seconds(60))
        #expect(options.maxRetries == 4)
        #expect(options.initialBackoff == .milliseconds(500))
        #expect(options.maxBackoff == .seconds(20))
    }

    @Test("no model anywhere is a clear error")
    func missingModel() {
        let error = #expect(throws: LLMError.missingModel) {
            try LLMClientOptions.fromEnvironment(model: "", environment: ["OPENAI_API_KEY": "k"])
        }
        #expect(error?.description == "no LLM model given; pass --model or set SHESHA_LLM_MODEL")
    }
}
