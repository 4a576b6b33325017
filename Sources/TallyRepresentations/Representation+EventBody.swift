import TallyCore

extension Representation {
    /// One event of a realm's feed (docs/EVENTS.md).
    public struct EventBody: Encodable, Sendable {
        public let seq: Int64
        public let id: String
        public let type: String
        public let data: JSONValue
        public let createdAt: String

        /// The shape of `event`.
        public init(_ event: Event) {
            seq = event.sequence
            id = event.id.rawValue
            type = event.type.rawValue
            data = event.data
            createdAt = Timestamp.iso8601(milliseconds: event.createdAtMilliseconds)
        }
    }

    /// The `meta` of a page of the feed: the cursor to read on from, null for an empty page.
    public struct EventFeedMeta: Encodable, Sendable {
        public let next: Int64?
        public let hasMore: Bool

        /// The meta of a page whose last event is `next`.
        public init(next: Int64?, hasMore: Bool) {
            self.next = next
            self.hasMore = hasMore
        }

        enum CodingKeys: String, CodingKey { case next, hasMore }

        /// Writes `next` as null when there is none.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(next, forKey: .next)
            try container.encode(hasMore, forKey: .hasMore)
        }
    }
}
