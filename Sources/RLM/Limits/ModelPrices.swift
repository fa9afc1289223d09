public import Foundation

/// What a model's tokens cost, in US dollars per million input (prompt) and output (completion) tokens.
public struct ModelPrice: Codable, Hashable, Sendable {
    public var input: Double
    public var output: Double

    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }

    /// The cost of `usage`, in US dollars.
    public func cost(of usage: TokenUsage) -> Double {
        (Double(usage.prompt) * input + Double(usage.completion) * output) / 1_000_000
    }
}

/// Prices per model name, given in the options or read from a JSON file such as
/// `{"gpt-4o-mini": {"input": 0.15, "output": 0.60}}` (US dollars per million tokens).
public struct ModelPrices: Hashable, Sendable {
    public var byModel: [String: ModelPrice]

    public init(_ byModel: [String: ModelPrice]) {
        self.byModel = byModel
    }

    /// Reads a price file; a file that is missing, not JSON of that shape, or has a negative price throws
    /// `RLMError.invalidPriceFile` saying what to fix.
    public init(contentsOfFile path: String) throws(RLMError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidPriceFile(path: path, reason: "cannot read it; check the path and its permissions")
        }
        let prices: [String: ModelPrice]
        do {
            prices = try JSONDecoder().decode([String: ModelPrice].self, from: data)
        } catch {
            throw .invalidPriceFile(
                path: path,
                reason: "it is not a JSON object of models to {\"input\": USD, \"output\": USD} per million tokens"
            )
        }
        if let (model, _) = prices.first(where: { $0.value.input < 0 || $0.value.output < 0 }) {
            throw .invalidPriceFile(path: path, reason: "the price of '\(model)' is negative")
        }
        self.init(prices)
    }

    public subscript(model: String) -> ModelPrice? { byModel[model] }
}
