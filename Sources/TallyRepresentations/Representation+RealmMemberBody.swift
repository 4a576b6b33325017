import TallyCore

extension Representation {
    /// A member in DRIP's `RealmMember` shape, with its credentials and balances.
    public struct RealmMemberBody: Encodable, Sendable {
        /// How `balances` is written.
        public enum BalancesShape: Sendable {
            /// DRIP's list of `{balance, currencyId, currencyName, currencyEmoji}`.
            case list
            /// The legacy v4 object from currency id to balance (`{"<currency id>": 1500}`), which
            /// bots read with `balances[id]` and `balances.keys()`.
            case map
        }

        let details: MemberDetails
        let balancesShape: BalancesShape

        /// The shape of a member with its balances, as DRIP's list.
        public init(_ details: MemberDetails) { self.init(details, balances: .list) }

        /// The shape of a member with its balances, written as `balancesShape` says.
        public init(_ details: MemberDetails, balances balancesShape: BalancesShape) {
            self.details = details
            self.balancesShape = balancesShape
        }

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

        /// Writes every field, absent optionals as null, as DRIP does.
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
            switch balancesShape {
            case .list:
                try container.encode(
                    details.balances.map {
                        BalanceBody(
                            balance: $0.balance, currencyId: $0.currency.id.rawValue, currencyName: $0.currency.name,
                            currencyEmoji: $0.currency.emoji)
                    }, forKey: .balances)
            case .map:
                try container.encode(
                    Dictionary(
                        details.balances.map { ($0.currency.id.rawValue, $0.balance) }, uniquingKeysWith: { $1 }),
                    forKey: .balances)
            }
            try container.encode(member.metadata, forKey: .metadata)
            try container.encodeNil(forKey: .notes)
        }
    }
}
