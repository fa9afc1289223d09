import PoolCore

/// A backend whose resources cost nothing, so a cycle measures only the ledger's transactions.
struct NoOpBackend: ResourceBackend {
    func create(_ slot: Slot) async throws {}
    func reset(_ slot: Slot) async throws {}
    func destroy(_ slot: Slot) async throws {}
    func checkHealth(_ slot: Slot) async -> [String] { [] }
}
