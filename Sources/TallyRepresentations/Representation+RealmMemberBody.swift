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

        /// One credential as DRIP sends it: every field written, unknown ones as null (`[]` for
        /// the photos); a wallet is `format: blockchain` with its `walletName` and `chain`.
        struct CredentialBody: Encodable {
            let format: String
            let publicIdentifier: String
            let oauthProvider: String?
            let oauthAccountId: String?
            /// The wallet's application and chain; nil for a credential that is not a wallet.
            let wallet: (name: String?, chain: String?)?

            enum CodingKeys: String, CodingKey {
                case format, publicIdentifier, oauthProvider, oauthAccountId, oauthUsername, oauthAccountPhotos,
                    walletName, chain
            }

            /// A social credential: its id is both the public identifier and the OAuth account id.
            static func oauth(_ provider: String, id: String) -> CredentialBody {
                CredentialBody(
                    format: provider, publicIdentifier: id, oauthProvider: provider, oauthAccountId: id, wallet: nil)
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(format, forKey: .format)
                try container.encode(publicIdentifier, forKey: .publicIdentifier)
                try container.encode(oauthProvider, forKey: .oauthProvider)
                try container.encode(oauthAccountId, forKey: .oauthAccountId)
                // Tally learns no OAuth profile, so these are always unknown.
                try container.encodeNil(forKey: .oauthUsername)
                try container.encode([String](), forKey: .oauthAccountPhotos)
                if let wallet {
                    try container.encode(wallet.name, forKey: .walletName)
                    try container.encode(wallet.chain, forKey: .chain)
                }
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
            if let id = c.discordId { credentials.append(.oauth("discord", id: id)) }
            if let id = c.twitterId { credentials.append(.oauth("twitter", id: id)) }
            if let wallet = c.wallet {
                credentials.append(
                    .init(
                        format: "blockchain", publicIdentifier: wallet, oauthProvider: nil, oauthAccountId: nil,
                        wallet: (c.walletName, c.resolvedWalletChain)))
            }
            if let email = c.email {
                credentials.append(
                    .init(
                        format: "email", publicIdentifier: email, oauthProvider: nil, oauthAccountId: nil, wallet: nil))
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
