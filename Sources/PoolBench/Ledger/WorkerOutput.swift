import Foundation

/// What one worker measured, as written to its output file: a line `start END_NS started STARTED_NS`,
/// then one cycle latency in nanoseconds per line.
struct WorkerOutput {
    /// When the worker actually began its first measured cycle (`MonotonicTime`).
    var startedAt: Int64
    /// When its last cycle ended.
    var endedAt: Int64
    var latencies: [Int64]

    func write(to path: String) throws {
        var text = "started \(startedAt) ended \(endedAt)\n"
        text.reserveCapacity(latencies.count * 9 + 64)
        for latency in latencies {
            text += String(latency)
            text += "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func read(from path: String) throws -> WorkerOutput {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n")[...]
        let header = lines.popFirst()?.split(separator: " ") ?? []
        guard header.count == 4, header[0] == "started", header[2] == "ended",
            let startedAt = Int64(header[1]), let endedAt = Int64(header[3])
        else {
            throw BenchError("\(path) does not start with a 'started … ended …' line")
        }
        var latencies: [Int64] = []
        latencies.reserveCapacity(lines.count)
        for line in lines {
            guard let latency = Int64(line) else { throw BenchError("\(path): bad latency line '\(line)'") }
            latencies.append(latency)
        }
        return WorkerOutput(startedAt: startedAt, endedAt: endedAt, latencies: latencies)
    }
}
