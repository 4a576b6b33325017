/// Every bound Tally enforces, in one place (TigerStyle: a limit on everything).
///
/// Exceeding one is a clear 4xx, never a crash or an unbounded allocation.
public struct Limits: Sendable, Equatable {
    /// Most changes in one batch (SPEC section 2; DRIP itself caps at 100).
    public var batchSizeMax: Int
    /// Largest request body accepted, in bytes.
    public var bodyBytesMax: Int
    /// Longest `initiatorId`, in characters.
    public var initiatorLengthMax: Int
    /// Longest name of a realm, currency, key or wallet application, in characters.
    public var nameLengthMax: Int
    /// Longest credential value (username, email, wallet, ...), in characters.
    public var credentialLengthMax: Int
    /// Longest chain of a wallet (a CAIP-2 chain id such as `eip155:1` is at most 41), in characters.
    public var chainLengthMax: Int
    /// Longest emoji text of a currency, in characters.
    public var emojiLengthMax: Int
    /// Largest metadata object, in bytes of JSON.
    public var metadataBytesMax: Int
    /// Largest page a list returns.
    public var pageSizeMax: Int
    /// Most values one member search takes (DRIP: 50).
    public var searchValuesMax: Int
    /// Longest URL (customEmojiUrl), in characters.
    public var urlLengthMax: Int
    /// Most webhook subscriptions one realm may have.
    public var webhooksPerRealmMax: Int
    /// Longest long poll of the feed (`wait`), in seconds.
    public var eventsWaitSecondsMax: Int

    /// The defaults SPEC.md names.
    public init(
        batchSizeMax: Int = 1_000,
        bodyBytesMax: Int = 1 << 20,
        initiatorLengthMax: Int = 256,
        nameLengthMax: Int = 200,
        credentialLengthMax: Int = 320,
        chainLengthMax: Int = 64,
        emojiLengthMax: Int = 64,
        metadataBytesMax: Int = 16_384,
        pageSizeMax: Int = 100,
        searchValuesMax: Int = 50,
        urlLengthMax: Int = 2_048,
        webhooksPerRealmMax: Int = 25,
        eventsWaitSecondsMax: Int = 30
    ) {
        self.batchSizeMax = batchSizeMax
        self.bodyBytesMax = bodyBytesMax
        self.initiatorLengthMax = initiatorLengthMax
        self.nameLengthMax = nameLengthMax
        self.credentialLengthMax = credentialLengthMax
        self.chainLengthMax = chainLengthMax
        self.emojiLengthMax = emojiLengthMax
        self.metadataBytesMax = metadataBytesMax
        self.pageSizeMax = pageSizeMax
        self.searchValuesMax = searchValuesMax
        self.urlLengthMax = urlLengthMax
        self.webhooksPerRealmMax = webhooksPerRealmMax
        self.eventsWaitSecondsMax = eventsWaitSecondsMax
    }

    /// The defaults.
    public static let standard = Limits()
}
