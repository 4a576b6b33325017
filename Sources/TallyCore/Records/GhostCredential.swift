/// An identity a client names a credential by (DRIP's `type`, `value` and, for `custom`,
/// `source`). Two identities are the same when their kind, source and match key are: an email
/// or EVM address typed in another case names the same credential (`CredentialMatching`).
public struct CredentialIdentity: Sendable, Hashable, CustomStringConvertible {
    /// DRIP's credential types.
    public enum Kind: String, Sendable, CaseIterable {
        case twitterId = "twitter-id"
        case discordId = "discord-id"
        case wallet
        case email
        case custom

        /// The member credential that can hold the same identity; nil for `custom`.
        public var memberKind: Credentials.Kind? {
            switch self {
            case .twitterId: .twitterId
            case .discordId: .discordId
            case .wallet: .wallet
            case .email: .email
            case .custom: nil
            }
        }
    }

    /// The type.
    public let kind: Kind
    /// The source of a `custom` identity (e.g. `shopify-customer-id`); empty for the others.
    public let source: String
    /// The value as given.
    public let value: String
    /// The value as it is compared and kept unique.
    public let matchKey: String

    /// Validates an identity: a value of 1 to `credentialLengthMax` characters without control
    /// characters, and for `custom` a source of the same kind. A source given with another type
    /// is ignored, as DRIP ignores it.
    public init(kind: Kind, value: String, source: String? = nil, limits: Limits = .standard) throws(TallyError) {
        try Validation.credentialField(value, field: "value", limits: limits)
        if kind == .custom {
            guard let source, !source.isEmpty else {
                throw .validation("source is required when type is custom.")
            }
            try Validation.credentialField(source, field: "source", limits: limits)
            self.source = source
        } else {
            self.source = ""
        }
        self.kind = kind
        self.value = value
        self.matchKey = kind.memberKind.map { CredentialMatching.key($0, value) } ?? value
    }

    /// An identity as stored (already validated).
    public init(stored kind: Kind, source: String, value: String, matchKey: String) {
        self.kind = kind
        self.source = source
        self.value = value
        self.matchKey = matchKey
    }

    /// Parses DRIP's `type` text.
    public static func kind(dripType text: String) throws(TallyError) -> Kind {
        guard let kind = Kind(rawValue: text) else {
            throw .validation(
                "type must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text.prefix(64))'."
            )
        }
        return kind
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.kind == rhs.kind && lhs.source == rhs.source && lhs.matchKey == rhs.matchKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(source)
        hasher.combine(matchKey)
    }

    /// `type value`, or `custom source:value`, for messages.
    public var description: String {
        kind == .custom ? "custom \(source.prefix(64)):\(value.prefix(64))" : "\(kind.rawValue) \(value.prefix(64))"
    }
}

/// A credential of a realm: an identity that can hold balances before any member owns it (a
/// "ghost"), and that, once linked to a member, sends every later change to that member.
///
/// Its balances live under a balance holder whose id is the credential's own: a row the journal,
/// the planner and `tally verify` treat as they treat a member, but that member lists, searches,
/// lookups and leaderboards never show.
public struct GhostCredential: Sendable, Equatable {
    /// Its id.
    public let id: CredentialID
    /// Its realm.
    public let realmID: RealmID
    /// Who it names.
    public let identity: CredentialIdentity
    /// The member it is linked to; nil while it is a ghost.
    public var accountID: MemberID?
    /// The social provider as given (`twitter`, `discord`, `telegram`, ...), when created as one.
    public var provider: String?
    /// A display username, when known.
    public var username: String?
    /// A wallet's chain (`eip155` for EVM addresses unless told otherwise).
    public var chain: String?
    /// A wallet's provider, when known.
    public var walletProvider: String?
    /// A wallet's name (e.g. `metamask`), when known.
    public var walletName: String?
    /// Custom data a client stored on it.
    public var metadata: JSONValue?
    /// Milliseconds since 1970 when it was created.
    public let createdAtMilliseconds: Int64
    /// Milliseconds since 1970 when it last changed (not counting balances).
    public var updatedAtMilliseconds: Int64
    /// Milliseconds since 1970 when it was linked; nil while it is a ghost.
    public var linkedAtMilliseconds: Int64?

    /// A credential as stored.
    public init(
        id: CredentialID, realmID: RealmID, identity: CredentialIdentity, accountID: MemberID? = nil,
        provider: String? = nil, username: String? = nil, chain: String? = nil, walletProvider: String? = nil,
        walletName: String? = nil, metadata: JSONValue? = nil, createdAtMilliseconds: Int64,
        updatedAtMilliseconds: Int64? = nil, linkedAtMilliseconds: Int64? = nil
    ) {
        self.id = id
        self.realmID = realmID
        self.identity = identity
        self.accountID = accountID
        self.provider = provider
        self.username = username
        self.chain = chain
        self.walletProvider = walletProvider
        self.walletName = walletName
        self.metadata = metadata
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds ?? createdAtMilliseconds
        self.linkedAtMilliseconds = linkedAtMilliseconds
    }

    /// The balance holder that keeps its own balances (same id).
    public var holderID: MemberID { MemberID(canonical: id.rawValue) }
    /// Where a change addressed to it goes: the member once linked, else its own balances.
    public var addressee: MemberID { accountID ?? holderID }
    /// True once linked to a member.
    public var isLinked: Bool { accountID != nil }
}

/// A credential a client asks to create (`credentials/social` or `credentials/wallet`).
public struct CredentialDraft: Sendable, Equatable {
    /// Who it names.
    public var identity: CredentialIdentity
    public var provider: String?
    public var username: String?
    public var chain: String?
    public var walletProvider: String?
    public var walletName: String?
    /// Link it to this member at once.
    public var accountID: MemberID?
    public var metadata: JSONValue?

    /// A social identity. `twitter` and `discord` are the `twitter-id` and `discord-id` types;
    /// any other provider is a `custom` identity whose source is the provider's name.
    public static func social(
        provider: String, providerID: String, username: String? = nil, accountID: MemberID? = nil,
        metadata: JSONValue? = nil, limits: Limits = .standard
    ) throws(TallyError) -> CredentialDraft {
        try Validation.credentialField(provider, field: "provider", limits: limits)
        let kind: CredentialIdentity.Kind =
            switch provider.lowercased() {
            case "twitter", "x": .twitterId
            case "discord": .discordId
            default: .custom
            }
        let identity = try CredentialIdentity(
            kind: kind, value: providerID, source: kind == .custom ? provider.lowercased() : nil, limits: limits)
        if let username { try Validation.credentialField(username, field: "username", limits: limits) }
        return CredentialDraft(
            identity: identity, provider: provider.lowercased(), username: username, accountID: accountID,
            metadata: try metadata.map { v throws(TallyError) in try v.validatedMetadata(limits: limits) })
    }

    /// A wallet. `chain` is required, as DRIP requires it.
    public static func wallet(
        address: String, chain: String, walletProvider: String? = nil, walletName: String? = nil,
        accountID: MemberID? = nil, metadata: JSONValue? = nil, limits: Limits = .standard
    ) throws(TallyError) -> CredentialDraft {
        let identity = try CredentialIdentity(kind: .wallet, value: address, limits: limits)
        try Validation.credentialField(chain, field: "chain", limits: limits)
        if let walletProvider {
            try Validation.credentialField(walletProvider, field: "walletProvider", limits: limits)
        }
        if let walletName { try Validation.credentialField(walletName, field: "walletName", limits: limits) }
        return CredentialDraft(
            identity: identity, chain: chain, walletProvider: walletProvider, walletName: walletName,
            accountID: accountID,
            metadata: try metadata.map { v throws(TallyError) in try v.validatedMetadata(limits: limits) })
    }
}

extension Validation {
    /// A credential field: 1 to `credentialLengthMax` characters, no control characters.
    public static func credentialField(_ value: String, field: String, limits: Limits) throws(TallyError) {
        guard !value.isEmpty else { throw .validation("\(field) must not be empty.") }
        guard value.count <= limits.credentialLengthMax else {
            throw .validation("\(field) must be at most \(limits.credentialLengthMax) characters.")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .validation("\(field) must not contain control characters.")
        }
    }
}

/// A credential with the balances it addresses, as `credentials/find` shows it.
public struct CredentialDetails: Sendable, Equatable {
    /// The credential.
    public let credential: GhostCredential
    /// Its own balances while a ghost; its member's once linked. Oldest currency first.
    public let balances: [HeldBalance]

    /// Details.
    public init(credential: GhostCredential, balances: [HeldBalance]) {
        self.credential = credential
        self.balances = balances
    }
}
