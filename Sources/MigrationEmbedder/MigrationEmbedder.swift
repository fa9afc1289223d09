import Foundation

/// Writes a Swift file that holds each migration file's name and exact text.
///
/// Usage: MigrationEmbedder OUTPUT.swift FILE.sql...
@main
struct MigrationEmbedder {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let output = arguments.first else {
            FileHandle.standardError.write(Data("usage: MigrationEmbedder OUTPUT.swift FILE.sql...\n".utf8))
            exit(64)
        }
        var source = "// Generated from Migrations/ by MigrationEmbedder at build time. Do not edit.\n\n"
        source += "enum EmbeddedMigrations {\n"
        source += "    /// (file name, file contents), ordered by file name.\n"
        source += "    static let files: [(name: String, sql: String)] = [\n"
        for path in arguments.dropFirst() {
            let url = URL(filePath: path)
            let text = try String(contentsOf: url, encoding: .utf8)
            source += "        (\(literal(url.lastPathComponent)), \(literal(text))),\n"
        }
        source += "    ]\n}\n"
        try Data(source.utf8).write(to: URL(filePath: output), options: .atomic)
    }

    /// A Swift string literal whose value is exactly `text`.
    static func literal(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case " "..."~": result.unicodeScalars.append(scalar)
            default: result += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return result + "\""
    }
}
