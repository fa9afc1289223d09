import Foundation

/// The code a model's reply asks to run: its fenced ```repl and ```python blocks, in order. A block left
/// open at the end of the reply (a reply cut short) is not run.
enum CodeBlocks {
    static let languages: Set<String> = ["repl", "python"]

    static func extract(from reply: String) -> [String] {
        var blocks: [String] = []
        var open: [Substring]?
        for line in reply.split(separator: "\n", omittingEmptySubsequences: false) {
            let fence = line.trimmingCharacters(in: .whitespaces)
            if let lines = open {
                if fence == "```" {
                    blocks.append(lines.joined(separator: "\n"))
                    open = nil
                } else {
                    open = lines + [line]
                }
            } else if fence.hasPrefix("```"), languages.contains(String(fence.dropFirst(3)).lowercased()) {
                open = []
            }
        }
        return blocks
    }
}
