import TallyCore

/// The JSON shapes of Tally's records, shared by the API and the command line so both print the
/// same thing.
public enum Representation {
    /// A realm, in DRIP's `Realm` shape. Tally realms have no owning account, so `ownerId`
    /// repeats the realm's id.
    public struct RealmBody: Encodable, Sendable {
        public let id: String
        public let name: String
        public let ownerId: String
        public let description: String
        public let subdomain: String
        public let createdAt: String
        public let updatedAt: String

        public init(_ realm: Realm) {
            id = realm.id.rawValue
            name = realm.name
            ownerId = realm.id.rawValue
            description = realm.description
            subdomain = realm.subdomain ?? ""
            createdAt = Timestamp.iso8601(milliseconds: realm.createdAtMilliseconds)
            updatedAt = Timestamp.iso8601(milliseconds: realm.updatedAtMilliseconds)
        }
    }

    /// A currency in DRIP's `Currency` shape, plus Tally's `minimumBalance`, `maximumBalance`
    /// and `transferable`. Absent optionals are written as null, as DRIP does.
    public struct CurrencyBody: Encodable, Sendable {
        let currency: Currency

        public init(_ currency: Currency) { self.currency = currency }

        enum CodingKeys: String, CodingKey {
            case id, realmId, name, emoji, customEmojiUrl, `default`, metadata, scopes, archived, archivedAt, ownership
            case shareStatus, parentRealmId, parentRealmName, permissions, createdAt, updatedAt
            case minimumBalance, maximumBalance, transferable
        }

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

    /// A member in DRIP's `RealmMember` shape, with its credentials and balances.
    public struct RealmMemberBody: Encodable, Sendable {
        let details: MemberDetails

        public init(_ details: MemberDetails) { self.details = details }

        struct CredentialBody: Encodable {
            let format: String
            let publicIdentifier: String
            let oauthProvider: String?
            let oauthAccountId: String?

            enum CodingKeys: String, CodingKey { case format, publicIdentifier, oauthProvider, oauthAccountId }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(format, forKey: .format)
                try container.encode(publicIdentifier, forKey: .publicIdentifier)
                try container.encode(oauthProvider, forKey: .oauthProvider)
                try container.encode(oauthAccountId, forKey: .oauthAccountId)
            }
        }

        struct BalanceBody: Encodable {
            let balance: Int64
            let currencyId: String
            let currencyName: String
            let currencyEmoji: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(balance, forKey: .balance)
                try container.encode(currencyId, forKey: .currencyId)
                try container.encode(currencyName, forKey: .currencyName)
                try container.encode(currencyEmoji, forKey: .currencyEmoji)
            }

            enum CodingKeys: String, CodingKey { case balance, currencyId, currencyName, currencyEmoji }
        }

        enum CodingKeys: String, CodingKey {
            case id, realmMemberId, username, displayName, email, joinedAt, credentials, balances, metadata, notes
        }

        public func encode(to encoder: any Encoder) throws {
            let member = details.member
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(member.id.rawValue, forKey: .id)
            try container.encode(member.id.rawValue, forKey: .realmMemberId)
            try container.encode(member.credentials.username, forKey: .username)
            try container.encode(member.credentials.username, forKey: .displayName)
            try container.encode(member.credentials.email, forKey: .email)
            try container.encode(Timestamp.iso8601(milliseconds: member.createdAtMilliseconds), forKey: .joinedAt)
            var credentials = [CredentialBody]()
            let c = member.credentials
            if let id = c.discordId {
                credentials.append(
                    .init(format: "discord", publicIdentifier: id, oauthProvider: "discord", oauthAccountId: id))
            }
            if let id = c.twitterId {
                credentials.append(
                    .init(format: "twitter", publicIdentifier: id, oauthProvider: "twitter", oauthAccountId: id))
            }
            if let wallet = c.wallet {
                credentials.append(
                    .init(format: "wallet", publicIdentifier: wallet, oauthProvider: nil, oauthAccountId: nil))
            }
            if let email = c.email {
                credentials.append(
                    .init(format: "email", publicIdentifier: email, oauthProvider: nil, oauthAccountId: nil))
            }
            try container.encode(credentials, forKey: .credentials)
            try container.encode(
                details.balances.map {
                    BalanceBody(
                        balance: $0.balance, currencyId: $0.currency.id.rawValue, currencyName: $0.currency.name,
                        currencyEmoji: $0.currency.emoji)
                }, forKey: .balances)
            try container.encode(member.metadata, forKey: .metadata)
            try container.encodeNil(forKey: .notes)
        }
    }

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

    /// DRIP's offset pagination `meta`.
    public struct OffsetMeta: Encodable, Sendable {
        public let total: Int
        public let page: Int
        public let limit: Int
        public let totalPages: Int

        public init<T>(_ page: Page<T>) {
            total = page.total
            self.page = page.page
            limit = page.limit
            totalPages = page.totalPages
        }
    }

    /// `{"data": …}`.
    public struct DataBody<T: Encodable & Sendable>: Encodable, Sendable {
        public let data: T
        public init(_ data: T) { self.data = data }
    }

    /// `{"data": [...], "meta": {...}}`.
    public struct ListBody<T: Encodable & Sendable, Meta: Encodable & Sendable>: Encodable, Sendable {
        public let data: [T]
        public let meta: Meta
        public init(_ data: [T], meta: Meta) {
            self.data = data
            self.meta = meta
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
            self.init(member, joinedAt: Timestamp.iso8601(milliseconds: member.createdAtMilliseconds))
        }

        /// With the join time already formatted (a bulk writer formats each distinct time once).
        public init(_ member: Member, joinedAt: String) {
            id = member.id.rawValue
            realmId = member.realmID.rawValue
            username = member.credentials.username
            discordId = member.credentials.discordId
            twitterId = member.credentials.twitterId
            wallet = member.credentials.wallet
            email = member.credentials.email
            self.joinedAt = joinedAt
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
