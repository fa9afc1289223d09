import ArgumentParser
import SheshaCommandLine
import FoundationEssentials
import Glibc
import PoolCore

extension SheshaPool {
    struct Status: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the pool's slots and who holds them.",
            discussion: """
                A leased slot shows its holder, the lease's index (the smallest number from 0 up that no other \
                live lease of the pool holds) and its task branch, if it has one.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print the slots as JSON.")
        var json = false

        func perform() async throws {
            // The ledger alone: reading it needs no backend, whose config would cost a JSON decode.
            let ledger = try global.openLedger()
            let poolName = global.poolName
            let slots = try await ledger.slots(pool: poolName)
            let leases = Dictionary(
                try await ledger.leases(pool: poolName).map { ($0.slotID, $0) },
                uniquingKeysWith: { first, _ in first }
            )
            let now = Date()
            if json {
                Console.output(try Console.json(slots.map { SlotJSON($0, lease: leases[$0.id]) }))
                return
            }
            guard !slots.isEmpty else {
                Console.message("pool '\(poolName)' has no slots; create some with `shesha-pool expand N`")
                return
            }
            var rows = [["SLOT", "STATE", "HOLDER", "INDEX", "BRANCH", "AGE", "LAST USED", "USES", "PATH"]]
            for slot in slots {
                let lease = leases[slot.id]
                rows.append([
                    slot.name, slot.state.rawValue, lease?.holder ?? "-", lease.map { String($0.index) } ?? "-",
                    lease?.branch ?? "-",
                    Self.age(slot.createdAt, now: now), slot.lastUsedAt.map { Self.age($0, now: now) + " ago" } ?? "never",
                    String(slot.useCount), slot.path,
                ])
            }
            Console.output(Self.table(rows))
            for slot in slots where slot.error != nil {
                Console.message("\(slot.name) is broken: \(slot.error ?? "")")
            }
        }

        static func age(_ time: Timestamp, now: Date) -> String {
            let seconds = max(0, Int64(now.timeIntervalSince1970) - time.microsecondsSince1970 / 1_000_000)
            switch seconds {
            case ..<120: return "\(seconds)s"
            case ..<7_200: return "\(seconds / 60)m"
            case ..<172_800: return "\(seconds / 3_600)h"
            default: return "\(seconds / 86_400)d"
            }
        }

        static func table(_ rows: [[String]]) -> String {
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            return rows.map { row in
                row.enumerated().map { column, cell in
                    let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                    return column == row.count - 1 ? cell : cell + padding
                }.joined(separator: "  ")
            }.joined(separator: "\n")
        }
    }
}

struct SlotJSON: Encodable {
    var name: String
    var state: String
    var path: String
    var holder: String?
    var token: Int64?
    var index: Int?
    var branch: String?
    var createdAt: String
    var lastUsedAt: String?
    var uses: Int
    var error: String?

    init(_ slot: Slot, lease: Lease?) {
        name = slot.name
        state = slot.state.rawValue
        path = slot.path
        holder = lease?.holder
        token = lease?.token.rawValue
        index = lease?.index
        branch = lease?.branch
        createdAt = slot.createdAt.iso8601
        lastUsedAt = slot.lastUsedAt?.iso8601
        uses = slot.useCount
        error = slot.error
    }
}
