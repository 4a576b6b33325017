import TallyCore

extension Representation {
    /// One journal entry (Tally extension).
    public struct JournalEntryBody: Encodable, Sendable {
        public let id: String
        public let dripId: String
        public let currencyId: String
        public let amount: Int64
        public let balanceBefore: Int64
        public let balanceAfter: Int64
        public let batchId: String
        public let initiatorId: String?
        public let kind: String
        public let createdAt: String

        /// The shape of `entry`.
        public init(_ entry: JournalEntry) {
            id = entry.id.rawValue
            dripId = entry.memberID.rawValue
            currencyId = entry.currencyID.rawValue
            amount = entry.amount
            balanceBefore = entry.balanceBefore
            balanceAfter = entry.balanceAfter
            batchId = entry.batchID.rawValue
            initiatorId = entry.initiatorID
            kind = entry.kind.rawValue
            createdAt = Timestamp.iso8601(milliseconds: entry.createdAtMilliseconds)
        }

        enum CodingKeys: String, CodingKey {
            case id, dripId, currencyId, amount, balanceBefore, balanceAfter, batchId, initiatorId, kind, createdAt
        }

        /// Writes every field, `initiatorId` as null when absent.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(dripId, forKey: .dripId)
            try container.encode(currencyId, forKey: .currencyId)
            try container.encode(amount, forKey: .amount)
            try container.encode(balanceBefore, forKey: .balanceBefore)
            try container.encode(balanceAfter, forKey: .balanceAfter)
            try container.encode(batchId, forKey: .batchId)
            try container.encode(initiatorId, forKey: .initiatorId)
            try container.encode(kind, forKey: .kind)
            try container.encode(createdAt, forKey: .createdAt)
        }
    }
}
