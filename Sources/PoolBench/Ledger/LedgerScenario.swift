/// What one row of the ledger table measures: how many processes share how many slots.
struct LedgerScenario: Hashable {
    var processes: Int
    var slots: Int

    var isSingleProcess: Bool { processes == 1 }

    /// One process alone, then each process count with as many slots and, optionally, half as many.
    static func plan(_ options: BenchOptions) -> [LedgerScenario] {
        var scenarios = [LedgerScenario(processes: 1, slots: 1)]
        for processes in options.processCounts {
            scenarios.append(LedgerScenario(processes: processes, slots: processes))
            if options.includesHalfSlots {
                scenarios.append(LedgerScenario(processes: processes, slots: max(1, processes / 2)))
            }
        }
        return scenarios
    }
}
