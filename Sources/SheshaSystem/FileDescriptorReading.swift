import Glibc

/// Reads what is left of an open file or pipe, until its end; the descriptor stays open. Plain `read` calls
/// where Foundation's `FileHandle` would link all of Foundation into every command (see `startDetachedThread`).
public func readToEnd(fileDescriptor: Int32, path: String? = nil) throws(SystemError) -> [UInt8] {
    let capacity = 64 * 1024
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
    defer { buffer.deallocate() }
    var contents: [UInt8] = []
    while true {
        let count = try retryingInterruptions("read", path: path) { read(fileDescriptor, buffer, capacity) }
        if count == 0 { return contents }
        contents.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: count))
    }
}
