extension StringProtocol {
    /// The text without leading and trailing whitespace, newlines included. Foundation's
    /// `trimmingCharacters(in:)` would link all of Foundation and its internationalisation data into every
    /// command, which doubles its start-up.
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
