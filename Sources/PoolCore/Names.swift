/// Rules for the names users give pools and holders. Names appear in paths, messages and shell output,
/// so they are restricted to characters that are safe in all three.
public enum Names {
    public static let maximumLength = 128

    /// Letters, digits and `. _ - @ : + =`; 1 to 128 characters; not starting with `.` or `-`.
    public static func validate(_ name: String, kind: String) throws {
        func reject(_ reason: String) -> PoolError {
            .invalidName(kind: kind, name: name, reason: reason)
        }
        guard !name.isEmpty else { throw reject("it is empty") }
        guard name.utf8.count <= maximumLength else {
            throw reject("it is longer than \(maximumLength) bytes")
        }
        guard name.first != ".", name.first != "-" else {
            throw reject("it may not start with '.' or '-'")
        }
        for scalar in name.unicodeScalars where !isAllowed(scalar) {
            let shown = scalar.value < 0x20 || scalar.value == 0x7F ? "a control character" : "'\(scalar)'"
            throw reject("it contains \(shown); use letters, digits and . _ - @ : + =")
        }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-", "@", ":", "+", "=": return true
        default: return false
        }
    }
}
