/// A failure of the bench itself (setup, a worker, a command it ran, its output).
struct BenchError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
