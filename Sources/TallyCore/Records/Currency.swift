import Foundation

/// A realm point type. Exactly one currency of a realm is its default.
public struct Currency: Sendable, Equatable {
    /// The currency's id.
    public let id: CurrencyID
    /// The realm it belongs to.
    public let realmID: RealmID
    /// Display name.
    public let name: String
    /// Optional emoji.
    public let emoji: String?
    /// True for the realm's default currency (used when a change names none).
    public let isDefault: Bool
    /// A URL of a custom emoji image.
    public let customEmojiURL: String?
    /// Custom data a client stored on it.
    public let metadata: JSONValue?
    /// Milliseconds since 1970 when it was archived; nil while active. An archived currency
    /// accepts no changes.
    public let archivedAtMilliseconds: Int64?
    /// The lowest balance a change may leave (default 0).
    public let minimumBalance: Int64
    /// The highest balance a change may leave (nil: no ceiling).
    public let maximumBalance: Int64?
    /// Whether members may transfer it to each other.
    public let isTransferable: Bool
    /// Milliseconds since 1970 when it was created.
    public let createdAtMilliseconds: Int64
    /// Milliseconds since 1970 when it last changed.
    public let updatedAtMilliseconds: Int64

    /// A currency as stored.
    public init(
        id: CurrencyID, realmID: RealmID, name: String, emoji: String?, customEmojiURL: String? = nil,
        metadata: JSONValue? = nil, isDefault: Bool, archivedAtMilliseconds: Int64? = nil, minimumBalance: Int64,
        maximumBalance: Int64?, isTransferable: Bool, createdAtMilliseconds: Int64, updatedAtMilliseconds: Int64? = nil
    ) {
        self.id = id
        self.realmID = realmID
        self.name = name
        self.emoji = emoji
        self.customEmojiURL = customEmojiURL
        self.metadata = metadata
        self.isDefault = isDefault
        self.archivedAtMilliseconds = archivedAtMilliseconds
        self.minimumBalance = minimumBalance
        self.maximumBalance = maximumBalance
        self.isTransferable = isTransferable
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds ?? createdAtMilliseconds
    }

    /// True once archived.
    public var isArchived: Bool { archivedAtMilliseconds != nil }
}

/// What it takes to create a currency.
public struct CurrencyDraft: Sendable, Equatable {
    /// Display name (required, 1 to `Limits.nameLengthMax` characters).
    public var name: String
    /// Optional emoji.
    public var emoji: String?
    /// Optional custom emoji image URL.
    public var customEmojiURL: String?
    /// Optional custom data (a JSON object).
    public var metadata: JSONValue?
    /// Make it the realm's default (clears the flag on the others).
    public var isDefault: Bool
    /// Lowest balance allowed (default 0).
    public var minimumBalance: Int64
    /// Highest balance allowed (nil: none).
    public var maximumBalance: Int64?
    /// Whether transfers are allowed (default true).
    public var isTransferable: Bool

    /// A draft with DRIP's defaults.
    public init(
        name: String, emoji: String? = nil, customEmojiURL: String? = nil, metadata: JSONValue? = nil,
        isDefault: Bool = false, minimumBalance: Int64 = 0, maximumBalance: Int64? = nil, isTransferable: Bool = true
    ) {
        self.name = name
        self.emoji = emoji
        self.customEmojiURL = customEmojiURL
        self.metadata = metadata
        self.isDefault = isDefault
        self.minimumBalance = minimumBalance
        self.maximumBalance = maximumBalance
        self.isTransferable = isTransferable
    }

    /// Checks the name, emoji and limit fields.
    public func validate(limits: Limits) throws(TallyError) {
        try Validation.name(name, field: "name", limits: limits)
        try Validation.currencyFields(emoji: emoji, customEmojiURL: customEmojiURL, limits: limits)
        if let metadata { _ = try metadata.validatedMetadata(limits: limits) }
        try Validation.balanceLimits(minimum: minimumBalance, maximum: maximumBalance)
    }
}

/// A partial update of a currency: nil leaves a field as it is. For the nullable fields
/// (`emoji`, `customEmojiURL`, `maximumBalance`) `.some(nil)` clears them.
public struct CurrencyPatch: Sendable, Equatable {
    public var name: String?
    public var emoji: String??
    public var customEmojiURL: String??
    public var metadata: JSONValue?
    public var isDefault: Bool?
    public var minimumBalance: Int64?
    public var maximumBalance: Int64??
    public var isTransferable: Bool?

    /// An empty patch.
    public init() {}

    /// Applies the patch to `currency`'s fields, validating the result (the store then checks
    /// existing balances against new limits).
    public func applied(to currency: Currency, limits: Limits) throws(TallyError) -> CurrencyDraft {
        let draft = CurrencyDraft(
            name: name ?? currency.name, emoji: emoji ?? currency.emoji,
            customEmojiURL: customEmojiURL ?? currency.customEmojiURL, metadata: metadata ?? currency.metadata,
            isDefault: isDefault ?? currency.isDefault, minimumBalance: minimumBalance ?? currency.minimumBalance,
            maximumBalance: maximumBalance ?? currency.maximumBalance,
            isTransferable: isTransferable ?? currency.isTransferable)
        try draft.validate(limits: limits)
        if draft.isDefault && !currency.isDefault && currency.isArchived {
            throw .validation("An archived currency cannot be the default; unarchive it first.")
        }
        return draft
    }
}
