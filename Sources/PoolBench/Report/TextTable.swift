import Foundation

/// A plain-text table. Cells of the form "median (min..max)" are aligned on their parenthesis, so
/// medians line up on the right and ranges on the left; text columns (the first, by default) are
/// left-aligned.
struct TextTable {
    var titles: [String]
    var leftAligned: Set<Int>
    private var rows: [Row] = []

    private enum Row {
        case cells([String])
        /// A line of its own between the rows (a note, or empty to separate groups).
        case note(String)
    }

    init(_ titles: [String], leftAligned: Set<Int> = [0]) {
        self.titles = titles
        self.leftAligned = leftAligned
    }

    mutating func add(_ cells: [String]) {
        rows.append(.cells(cells))
    }

    mutating func note(_ text: String) {
        rows.append(.note(text))
    }

    func render() -> String {
        let cellRows = rows.compactMap { row -> [String]? in
            if case .cells(let cells) = row { return cells }
            return nil
        }
        let splits = titles.indices.map { column in
            cellRows.map { split(column < $0.count ? $0[column] : "") }
        }
        let headWidths = splits.map { $0.map(\.head.count).max() ?? 0 }
        let tailWidths = splits.map { $0.map(\.tail.count).max() ?? 0 }
        let widths = titles.indices.map { column in
            max(titles[column].count, headWidths[column] + (tailWidths[column] > 0 ? 1 + tailWidths[column] : 0))
        }

        func line(_ cells: [String], isTitle: Bool) -> String {
            titles.indices.map { column in
                let cell = column < cells.count ? cells[column] : ""
                if leftAligned.contains(column) {
                    return pad(cell, widths[column])
                }
                if isTitle {
                    return padLeft(cell, widths[column])
                }
                let (head, tail) = split(cell)
                var text = padLeft(head, headWidths[column])
                if tailWidths[column] > 0 {
                    text += " " + pad(tail, tailWidths[column])
                }
                return padLeft(text, widths[column])
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }

        let title = line(titles, isTitle: true)
        var lines = [title, String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))]
        for row in rows {
            switch row {
            case .cells(let cells): lines.append(line(cells, isTitle: false))
            case .note(let text): lines.append(text)
            }
        }
        return lines.joined(separator: "\n")
    }

    private func split(_ cell: String) -> (head: String, tail: String) {
        guard let range = cell.range(of: " (") else { return (cell, "") }
        return (String(cell[..<range.lowerBound]), String(cell[cell.index(after: range.lowerBound)...]))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private func padLeft(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
