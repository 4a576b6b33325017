import TallyCore

/// The JSON shapes of Tally's records, shared by the API and the command line so both print the
/// same thing.
public enum Representation {
    /// A realm.
    public struct RealmBody: Encodable, Sendable {
        public let id: String
        public let name: String
        public let createdAt: String

        public init(_ realm: Realm) {
            id = realm.id.rawValue
            name = realm.name
            createdAt = Timestamp.iso8601(milliseconds: realm.createdAtMilliseconds)
        }
    }

    /// A currency, with DRIP's fields and Tally's extensions (minimumBalance, maximumBalance, transferable).
    public struct CurrencyBody: Encodable, Sendable {
        public let id: String
        public let realmId: String
        public let name: String
        public let emoji: String?
        public let `default`: Bool
        public let archived: Bool
        public let minimumBalance: Int64
        public let maximumBalance: Int64?
        public let transferable: Bool
        public let createdAt: String

        public init(_ currency: Currency) {
            id = currency.id.rawValue
            realmId = currency.realmID.rawValue
            name = currency.name
            emoji = currency.emoji
            self.default = currency.isDefault
            archived = currency.isArchived
            minimumBalance = currency.minimumBalance
            maximumBalance = currency.maximumBalance
            transferable = currency.isTransferable
            createdAt = Timestamp.iso8601(milliseconds: currency.createdAtMilliseconds)
        }

        enum CodingKeys: String, CodingKey {
            case id, realmId, name, emoji, `default`, archived, minimumBalance, maximumBalance, transferable, createdAt
        }

        public func encode(to encoder: any Encoder) throws {
            // Explicit so that absent optionals are written as null, as DRIP does.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(realmId, forKey: .realmId)
            try container.encode(name, forKey: .name)
            try container.encode(emoji, forKey: .emoji)
            try container.encode(self.default, forKey: .default)
            try container.encode(archived, forKey: .archived)
            try container.encode(minimumBalance, forKey: .minimumBalance)
            try container.encode(maximumBalance, forKey: .maximumBalance)
            try container.encode(transferable, forKey: .transferable)
            try container.encode(createdAt, forKey: .createdAt)
        }
    }

    /// A member (its id is the dripId) with its credentials.
    public struct MemberBody: Encodable, Sendable {
        public let id: String
        public let realmId: String
        public let username: String?
        public let discordId: String?
        public let twitterId: String?
        public let wallet: String?
        public let email: String?
        public let joinedAt: String

        public init(_ member: Member) {
            id = member.id.rawValue
            realmId = member.realmID.rawValue
            username = member.credentials.username
            discordId = member.credentials.discordId
            twitterId = member.credentials.twitterId
            wallet = member.credentials.wallet
            email = member.credentials.email
            joinedAt = Timestamp.iso8601(milliseconds: member.createdAtMilliseconds)
        }
    }

    /// An API key; `secret` is present only in the answer that created it.
    public struct KeyBody: Encodable, Sendable {
        public let id: String
        public let secret: String?
        public let realmId: String?
        public let admin: Bool
        public let name: String?
        public let scopes: [String]
        public let createdAt: String
        public let revokedAt: String?

        public init(_ key: APIKey, secret: String? = nil) {
            id = key.id.rawValue
            self.secret = secret
            realmId = key.realmID?.rawValue
            admin = key.isAdmin
            name = key.name
            scopes = key.isAdmin ? ["admin"] : key.scopes.sorted().map(\.rawValue)
            createdAt = Timestamp.iso8601(milliseconds: key.createdAtMilliseconds)
            revokedAt = key.revokedAtMilliseconds.map(Timestamp.iso8601(milliseconds:))
        }
    }
}
