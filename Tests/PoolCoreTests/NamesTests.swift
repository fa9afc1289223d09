import PoolCore
import Testing

@Suite("Names")
struct NamesTests {
    static let goodNames = [
        "a", "default", "CI-runner_7", "user@host", "job:42", "a+b=c", "v1.2.3", "x.",
        "0", String(repeating: "n", count: Names.maximumLength),
    ]

    @Test("names of letters, digits and . _ - @ : + = are accepted", arguments: goodNames)
    func accepted(name: String) throws {
        try Names.validate(name, kind: "holder")
    }

    static let badNames: [(String, String)] = [
        ("", "empty"),
        ("a/b", "'/'"),
        ("/", "'/'"),
        ("..", "start with '.'"),
        (".", "start with '.'"),
        ("../etc/passwd", "start with '.'"),
        ("a/../b", "'/'"),
        ("-rf", "start with '.' or '-'"),
        ("two words", "' '"),
        (" lead", "' '"),
        ("tab\tin", "control character"),
        ("new\nline", "control character"),
        ("cr\r", "control character"),
        ("nul\u{0}", "control character"),
        ("del\u{7F}", "control character"),
        ("back\\slash", "'\\'"),
        ("quote'", "'''"),
        ("dollar$", "'$'"),
        ("star*", "'*'"),
        ("\u{E9}t\u{E9}", "'\u{E9}'"),
        (String(repeating: "n", count: Names.maximumLength + 1), "longer than 128"),
        // 43 three-byte characters: 129 bytes, though only 43 characters.
        (String(repeating: "\u{20AC}", count: 43), "longer than 128"),
    ]

    @Test("invalid names are refused with a reason", arguments: badNames)
    func refused(name: String, reasonFragment: String) throws {
        let error = #expect(throws: PoolError.self) { try Names.validate(name, kind: "pool") }
        guard case .invalidName(let kind, let refusedName, let reason) = error else {
            Issue.record("expected invalidName, got \(String(describing: error))")
            return
        }
        #expect(kind == "pool")
        #expect(refusedName == name)
        #expect(reason.contains(reasonFragment), "reason: \(reason)")
    }

    @Test("the error message shows control characters escaped, so the name is visible")
    func messageEscapesControlCharacters() throws {
        let error = #expect(throws: PoolError.self) { try Names.validate("bad\nname", kind: "holder") }
        let message = try #require(error).description
        #expect(message.contains("'bad\\u{a}name'"), "message: \(message)")
        #expect(!message.contains("\n"))
        #expect(message.contains("holder"))
    }
}
