/// One page of a member's journal, newest first.
public struct JournalPage: Sendable, Equatable {
    public let entries: [JournalEntry]
    /// Pass as `before` to get the next (older) page; nil on the last page.
    public let nextCursor: String?

    public init(entries: [JournalEntry], nextCursor: String?) {
        self.entries = entries
        self.nextCursor = nextCursor
    }
}
