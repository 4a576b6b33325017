/// The external identities of a member (SPEC glossary: credential). Each is unique within a realm.
public struct Credentials: Sendable, Equatable, Hashable {
    /// Display username.
    public var username: String?
    /// Discord user id (snowflake).
    public var discordId: String?
    /// Twitter/X user id.
    public var twitterId: String?
    /// Wallet address.
    public var wallet: String?
    /// Email address.
    public var email: String?
    /// The chain of `wallet` as given when the member was created (such as `eip155` or `solana`);
    /// nil when none was given. Not a credential of its own: it describes the wallet.
    public var walletChain: String?
    /// The wallet application `wallet` lives in (such as `metamask`), when given.
    public var walletName: String?

    /// Credentials with any subset of fields set.
    public init(
        username: String? = nil, discordId: String? = nil, twitterId: String? = nil, wallet: String? = nil,
        email: String? = nil, walletChain: String? = nil, walletName: String? = nil
    ) {
        self.username = username
        self.discordId = discordId
        self.twitterId = twitterId
        self.wallet = wallet
        self.email = email
        self.walletChain = walletChain
        self.walletName = walletName
    }

    /// The chain of EVM addresses (CAIP-2 namespace `eip155`), shown for an EVM wallet given
    /// without a chain.
    public static let evmChain = "eip155"

    /// The chain the wallet is shown on: the one given when the member was created, else
    /// `evmChain` for an EVM address; nil without a wallet, or for another address given
    /// without a chain.
    public var resolvedWalletChain: String? {
        guard let wallet else { return nil }
        return walletChain ?? (CredentialMatching.isEVMAddress(wallet) ? Self.evmChain : nil)
    }

    /// The credential kinds, named as the DRIP API and the CSV header name them.
    public enum Kind: String, Sendable, CaseIterable {
        case username
        case discordId = "discord-id"
        case twitterId = "twitter-id"
        case wallet
        case email
    }

    /// The value of one kind.
    public subscript(kind: Kind) -> String? {
        get {
            switch kind {
            case .username: username
            case .discordId: discordId
            case .twitterId: twitterId
            case .wallet: wallet
            case .email: email
            }
        }
        set {
            switch kind {
            case .username: username = newValue
            case .discordId: discordId = newValue
            case .twitterId: twitterId = newValue
            case .wallet: wallet = newValue
            case .email: email = newValue
            }
        }
    }

    /// Checks lengths and control characters; empty strings count as absent. A wallet's chain
    /// (at most `chainLengthMax` characters) and name (at most `nameLengthMax`) need the wallet.
    public func validated(limits: Limits) throws(TallyError) -> Credentials {
        var result = Credentials()
        for kind in Kind.allCases {
            guard let value = self[kind], !value.isEmpty else { continue }
            try Self.check(value, kind, limits)
            result[kind] = value
        }
        if walletChain != nil || walletName != nil {
            result.walletChain = try Self.walletDetail(
                walletChain, "wallet-chain", lengthMax: limits.chainLengthMax, wallet: result.wallet)
            result.walletName = try Self.walletDetail(
                walletName, "wallet-name", lengthMax: limits.nameLengthMax, wallet: result.wallet)
        }
        return result
    }

    /// A wallet's chain or name: nil when empty; otherwise within `lengthMax` characters, free of
    /// control characters, and given with a wallet.
    private static func walletDetail(_ value: String?, _ field: String, lengthMax: Int, wallet: String?)
        throws(TallyError) -> String?
    {
        guard let value, !value.isEmpty else { return nil }
        guard value.count <= lengthMax else { throw .validation("\(field) must be at most \(lengthMax) characters.") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .validation("\(field) must not contain control characters.")
        }
        guard wallet != nil else { throw .validation("\(field) describes a wallet, so it needs a wallet.") }
        return value
    }

    private static func check(_ value: String, _ kind: Kind, _ limits: Limits) throws(TallyError) {
        // Fast path: printable ASCII (0x20...0x7E) is one character per byte and holds no control
        // character, so the byte count is the character count. Anything else takes the general
        // checks below, which give the same answers for every string.
        func isPrintableASCII(_ byte: UInt8) -> Bool { byte &- 0x20 < 0x5F }
        let printable =
            value.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(isPrintableASCII) }
            ?? value.utf8.allSatisfy(isPrintableASCII)
        if printable {
            guard value.utf8.count <= limits.credentialLengthMax else {
                throw .validation("\(kind.rawValue) must be at most \(limits.credentialLengthMax) characters.")
            }
            return
        }
        guard value.count <= limits.credentialLengthMax else {
            throw .validation("\(kind.rawValue) must be at most \(limits.credentialLengthMax) characters.")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .validation("\(kind.rawValue) must not contain control characters.")
        }
    }
}
