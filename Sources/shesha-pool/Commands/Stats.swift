import ArgumentParser
import SheshaCommandLine
import FoundationEssentials
import Glibc
import PoolCore

extension SheshaPool {
    struct Stats: SheshaCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Counts per state, acquires, warm hits, wait and hold times.",
            discussion: """
                --prometheus writes the text format of node_exporter's textfile collector, e.g. from cron:
                  shesha-pool stats --prometheus > /var/lib/node_exporter/shesha_pool.prom.tmp && \
                  mv /var/lib/node_exporter/shesha_pool.prom.tmp /var/lib/node_exporter/shesha_pool.prom
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Only history this recent (e.g. 24h). Default: all of it.", valueName: "duration"))
        var window: HumanDuration?

        @Flag(help: "Print as JSON.")
        var json = false

        @Flag(help: "Print Prometheus text format.")
        var prometheus = false

        func validate() throws {
            if json && prometheus {
                throw ValidationError("pass at most one of --json and --prometheus")
            }
        }

        func perform() async throws {
            let pool = try await global.openPool()
            let stats = try await pool.statistics(window: window?.duration)
            if json {
                Console.output(try Console.json(stats))
            } else if prometheus {
                Console.output(Self.prometheusText(stats))
            } else {
                Console.output(Self.text(stats))
            }
        }

        static func text(_ stats: PoolStatistics) -> String {
            let states = SlotState.allCases.compactMap { state in
                stats.slotsByState[state.rawValue].map { "\($0) \(state.rawValue)" }
            }
            func timing(_ summary: PoolStatistics.Summary) -> String {
                summary.count == 0
                    ? "none"
                    : "mean \(format(summary.mean)), p95 \(format(summary.p95)), max \(format(summary.max)) (\(summary.count))"
            }
            return """
                pool:      \(stats.pool)\(stats.windowSeconds.map { " (last \($0)s)" } ?? "")
                slots:     \(states.isEmpty ? "none" : states.joined(separator: ", "))
                acquires:  \(stats.acquires) (\(stats.warmHits) warm, \(stats.dirtyResets) reset first, \(stats.coldCreates) created)
                created:   \(stats.slotsCreated) slots, removed \(stats.slotsDestroyed), \(stats.failures) failures
                waits:     \(timing(stats.waitSeconds)); \(stats.waitTimeouts) timed out, \(stats.exhausted) refused
                holds:     \(timing(stats.holdSeconds)); \(stats.reclaimedLeases) reclaimed from dead owners
                """
        }

        static func format(_ seconds: Double) -> String {
            if seconds < 1 { return "\(Int((seconds * 1_000).rounded()))ms" }
            // One decimal, as "%.1f" would print it, without Foundation's String(format:).
            let tenths = Int((seconds * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)s"
        }

        static func prometheusText(_ stats: PoolStatistics) -> String {
            let pool = stats.pool
            var lines: [String] = []
            func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
                lines.append("# HELP shesha_pool_\(name) \(help)")
                lines.append("# TYPE shesha_pool_\(name) \(type)")
                for (labels, value) in samples {
                    lines.append("shesha_pool_\(name){pool=\"\(pool)\"\(labels)} \(value)")
                }
            }
            metric("slots", "gauge", "Slots per state.", SlotState.allCases.map {
                (",state=\"\($0.rawValue)\"", Double(stats.slotsByState[$0.rawValue] ?? 0))
            })
            metric("acquires_total", "counter", "Acquires by how the slot was obtained.", [
                (",source=\"warm\"", Double(stats.warmHits)), (",source=\"reset\"", Double(stats.dirtyResets)),
                (",source=\"created\"", Double(stats.coldCreates)),
            ])
            metric("wait_timeouts_total", "counter", "Acquires that timed out waiting.", [("", Double(stats.waitTimeouts))])
            metric("exhausted_total", "counter", "Acquires refused on an exhausted pool.", [("", Double(stats.exhausted))])
            metric("reclaimed_leases_total", "counter", "Leases reclaimed from dead or expired owners.", [("", Double(stats.reclaimedLeases))])
            metric("failures_total", "counter", "Failed creates, resets and removals.", [("", Double(stats.failures))])
            metric("wait_seconds", "summary", "Time from asking to getting a slot.", [
                (",quantile=\"0.95\"", stats.waitSeconds.p95),
            ])
            lines.append("shesha_pool_wait_seconds_count{pool=\"\(pool)\"} \(stats.waitSeconds.count)")
            lines.append("shesha_pool_wait_seconds_sum{pool=\"\(pool)\"} \(stats.waitSeconds.mean * Double(stats.waitSeconds.count))")
            metric("hold_seconds", "summary", "Time a lease was held.", [(",quantile=\"0.95\"", stats.holdSeconds.p95)])
            lines.append("shesha_pool_hold_seconds_count{pool=\"\(pool)\"} \(stats.holdSeconds.count)")
            lines.append("shesha_pool_hold_seconds_sum{pool=\"\(pool)\"} \(stats.holdSeconds.mean * Double(stats.holdSeconds.count))")
            return lines.joined(separator: "\n")
        }
    }
}
