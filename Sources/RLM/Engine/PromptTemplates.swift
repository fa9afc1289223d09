import Foundation

/// The engine's prompts: Markdown templates with `{{name}}` placeholders, shipped inside the binary and
/// overridable file by file from a folder (a file there named like the template replaces it).
public struct PromptTemplates: Sendable {
    public enum Name: String, CaseIterable, Sendable {
        case system = "system.md"
        case firstTurn = "first_turn.md"
        case executionOutput = "execution_output.md"
        case subcall = "subcall.md"
    }

    private let templates: [Name: String]

    /// The embedded templates, with any file of the same name in `overrideFolder` taking precedence.
    public init(overrideFolder: String? = nil) throws {
        var templates: [Name: String] = [:]
        for name in Name.allCases {
            if let folder = overrideFolder {
                let path = URL(filePath: folder).appending(path: name.rawValue).path(percentEncoded: false)
                if FileManager.default.fileExists(atPath: path) {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw RLMError.unreadablePrompt(path: path)
                    }
                    templates[name] = String(decoding: data, as: UTF8.self)
                    continue
                }
            }
            templates[name] = String(decoding: Self.embedded(name), as: UTF8.self)
        }
        self.templates = templates
    }

    /// The template `name` with each `{{key}}` replaced by its value; unknown placeholders stay as they are.
    /// One pass over the template, so a value that itself contains `{{key}}` (document text) is never expanded.
    public func render(_ name: Name, _ values: [String: String]) -> String {
        var rest = Substring(templates[name] ?? "")
        var text = ""
        while let open = rest.range(of: "{{") {
            text += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}"), let value = values[String(afterOpen[..<close.lowerBound])]
            else {
                text += "{{"
                rest = afterOpen
                continue
            }
            text += value
            rest = afterOpen[close.upperBound...]
        }
        text += rest
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func embedded(_ name: Name) -> [UInt8] {
        switch name {
        case .system: PackageResources.system_md
        case .firstTurn: PackageResources.first_turn_md
        case .executionOutput: PackageResources.execution_output_md
        case .subcall: PackageResources.subcall_md
        }
    }
}
