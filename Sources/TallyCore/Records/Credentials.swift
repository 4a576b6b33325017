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

    /// Credentials with any subset of fields set.
    public init(
        username: String? = nil, discordId: String? = nil, twitterId: String? = nil, wallet: String? = nil,
        email: String? = nil
    ) {
        self.username = username
        self.discordId = discordId
        self.twitterId = twitterId
        self.wallet = wallet
        self.email = email
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

    /// Checks lengths and control characters; empty strings count as absent.
    public func validated(limits: Limits) throws(TallyError) -> Credentials {
        var result = Credentials()
        for kind in Kind.allCases {
            guard let value = self[kind], !value.isEmpty else { continue }
            try Self.check(value, kind, limits)
            result[kind] = value
        }
        return result
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
