/// When the next SIGKILL falls and what it hits: every `every` ms on average (uniform between half and
/// one and a half times that), a live maintenance command with probability `maintenanceShare` when one
/// is running, else a holder.
struct Killer {
    enum Target {
        case holder(Int)
        case maintenance(Int)
    }

    let everyNanoseconds: Int64
    let maintenanceShare = 0.5
    private(set) var nextKill: Int64

    init(everyMilliseconds: Int, start: Int64, random: inout SplitMix64) {
        everyNanoseconds = Int64(everyMilliseconds) * 1_000_000
        nextKill = start
        scheduleNext(after: start, random: &random)
    }

    mutating func scheduleNext(after now: Int64, random: inout SplitMix64) {
        nextKill = now + Int64.random(in: everyNanoseconds / 2...everyNanoseconds * 3 / 2, using: &random)
    }

    /// Picks a victim among the live holders (indices) and live maintenance lanes (indices).
    func choose(holders: [Int], lanes: [Int], random: inout SplitMix64) -> Target? {
        if let lane = lanes.randomElement(using: &random), random.chance(maintenanceShare) || holders.isEmpty {
            return .maintenance(lane)
        }
        return holders.randomElement(using: &random).map { .holder($0) }
    }
}
