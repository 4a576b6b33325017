import TallyCore

extension Representation {
    /// A credential as `credentials/social` and `credentials/wallet` answer it: the fields of both
    /// DRIP shapes (absent ones as null), plus its type, value and source as Tally matches them.
    public struct CredentialBody: Encodable, Sendable {
        let credential: GhostCredential

        /// The shape of a credential.
        public init(_ credential: GhostCredential) { self.credential = credential }

        enum CodingKeys: String, CodingKey {
            case id, type, value, source, format, publicIdentifier, oauthProvider, oauthAccountId, oauthUsername
            case oauthAccountPhotos, address, chain, walletName, walletProvider, isVerified, accountId, metadata
            case createdAt, linkedAt
        }

        /// Writes every field, absent ones as null, as DRIP does.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try Self.encodeIdentity(credential, into: &container)
            let identity = credential.identity
            let isWallet = identity.kind == .wallet
            let isSocial = identity.kind == .twitterId || identity.kind == .discordId || credential.provider != nil
            try container.encode(
                isSocial ? credential.provider ?? Self.format(credential) : nil, forKey: .oauthProvider)
            try container.encode(isSocial ? identity.value : nil, forKey: .oauthAccountId)
            try container.encode(credential.username, forKey: .oauthUsername)
            try container.encode([String](), forKey: .oauthAccountPhotos)
            try container.encode(isWallet ? identity.value : nil, forKey: .address)
            try container.encode(credential.chain, forKey: .chain)
            try container.encode(credential.walletName, forKey: .walletName)
            try container.encode(credential.walletProvider, forKey: .walletProvider)
            // Tally takes every credential on the word of the realm's key; none is verified.
            try container.encode(false, forKey: .isVerified)
            try container.encode(credential.accountID?.rawValue, forKey: .accountId)
            try container.encode(credential.metadata, forKey: .metadata)
            try container.encode(Timestamp.iso8601(milliseconds: credential.createdAtMilliseconds), forKey: .createdAt)
            try container.encode(
                credential.linkedAtMilliseconds.map(Timestamp.iso8601(milliseconds:)), forKey: .linkedAt)
        }

        /// `id`, `type`, `value`, `source`, `format` and `publicIdentifier`: what every credential
        /// answer begins with.
        static func encodeIdentity<Key: CodingKey>(
            _ credential: GhostCredential, into container: inout KeyedEncodingContainer<Key>
        ) throws {
            let identity = credential.identity
            func key(_ name: String) -> Key { Key(stringValue: name)! }
            try container.encode(credential.id.rawValue, forKey: key("id"))
            try container.encode(identity.kind.rawValue, forKey: key("type"))
            try container.encode(identity.value, forKey: key("value"))
            try container.encode(identity.source.isEmpty ? nil : identity.source, forKey: key("source"))
            try container.encode(format(credential), forKey: key("format"))
            try container.encode(credential.username ?? identity.value, forKey: key("publicIdentifier"))
        }

        /// DRIP's `format`: the social provider, `blockchain` for a wallet, `email`, or a custom
        /// credential's source.
        static func format(_ credential: GhostCredential) -> String {
            switch credential.identity.kind {
            case .twitterId: "twitter"
            case .discordId: "discord"
            case .wallet: "blockchain"
            case .email: "email"
            case .custom: credential.provider ?? credential.identity.source
            }
        }
    }

    /// A credential with the balances it addresses, as `credentials/find` answers it.
    public struct CredentialFoundBody: Encodable, Sendable {
        let details: CredentialDetails

        /// The shape of a found credential.
        public init(_ details: CredentialDetails) { self.details = details }

        enum CodingKeys: String, CodingKey {
            case id, type, value, source, format, publicIdentifier, accountId, linked, balances, metadata
        }

        /// Writes every field, absent ones as null.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            let credential = details.credential
            try CredentialBody.encodeIdentity(credential, into: &container)
            try container.encode(credential.accountID?.rawValue, forKey: .accountId)
            try container.encode(credential.isLinked, forKey: .linked)
            try container.encode(details.balances.map(HeldBalanceBody.init), forKey: .balances)
            try container.encode(credential.metadata, forKey: .metadata)
        }
    }

    /// One balance with its currency's name and emoji (`balances[]` of DRIP's shapes).
    public struct HeldBalanceBody: Encodable, Sendable {
        let held: HeldBalance

        /// The shape of a held balance.
        public init(_ held: HeldBalance) { self.held = held }

        enum CodingKeys: String, CodingKey { case balance, currencyId, currencyName, currencyEmoji }

        /// Writes every field, a missing emoji as null.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(held.balance, forKey: .balance)
            try container.encode(held.currency.id.rawValue, forKey: .currencyId)
            try container.encode(held.currency.name, forKey: .currencyName)
            try container.encode(held.currency.emoji, forKey: .currencyEmoji)
        }
    }
}
