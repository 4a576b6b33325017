import TallyCore

extension Representation {
    /// A currency in DRIP's `Currency` shape, plus Tally's `minimumBalance`, `maximumBalance`
    /// and `transferable`. Absent optionals are written as null, as DRIP does.
    public struct CurrencyBody: Encodable, Sendable {
        let currency: Currency

        /// The shape of `currency`.
        public init(_ currency: Currency) { self.currency = currency }

        enum CodingKeys: String, CodingKey {
            case id, realmId, name, emoji, customEmojiUrl, `default`, metadata, scopes, archived, archivedAt, ownership
            case shareStatus, parentRealmId, parentRealmName, permissions, createdAt, updatedAt
            case minimumBalance, maximumBalance, transferable
        }

        /// Writes every field, absent optionals as null, in DRIP's order.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(currency.id.rawValue, forKey: .id)
            try container.encode(currency.realmID.rawValue, forKey: .realmId)
            try container.encode(currency.name, forKey: .name)
            try container.encode(currency.emoji, forKey: .emoji)
            try container.encode(currency.customEmojiURL, forKey: .customEmojiUrl)
            try container.encode(currency.isDefault, forKey: .default)
            try container.encode(currency.metadata ?? .object([:]), forKey: .metadata)
            try container.encode([String](), forKey: .scopes)
            try container.encode(currency.isArchived, forKey: .archived)
            try container.encode(
                currency.archivedAtMilliseconds.map(Timestamp.iso8601(milliseconds:)), forKey: .archivedAt)
            try container.encode("OWNED", forKey: .ownership)
            try container.encodeNil(forKey: .shareStatus)
            try container.encodeNil(forKey: .parentRealmId)
            try container.encodeNil(forKey: .parentRealmName)
            try container.encodeNil(forKey: .permissions)
            try container.encode(Timestamp.iso8601(milliseconds: currency.createdAtMilliseconds), forKey: .createdAt)
            try container.encode(Timestamp.iso8601(milliseconds: currency.updatedAtMilliseconds), forKey: .updatedAt)
            try container.encode(currency.minimumBalance, forKey: .minimumBalance)
            try container.encode(currency.maximumBalance, forKey: .maximumBalance)
            try container.encode(currency.isTransferable, forKey: .transferable)
        }
    }
}
