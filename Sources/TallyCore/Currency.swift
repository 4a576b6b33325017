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
    /// An archived currency accepts no changes.
    public let isArchived: Bool
    /// The lowest balance a change may leave (default 0).
    public let minimumBalance: Int64
    /// The highest balance a change may leave (nil: no ceiling).
    public let maximumBalance: Int64?
    /// Whether members may transfer it to each other.
    public let isTransferable: Bool
    /// Milliseconds since 1970 when it was created.
    public let createdAtMilliseconds: Int64

    /// A currency as stored.
    public init(
        id: CurrencyID, realmID: RealmID, name: String, emoji: String?, isDefault: Bool, isArchived: Bool,
        minimumBalance: Int64, maximumBalance: Int64?, isTransferable: Bool, createdAtMilliseconds: Int64
    ) {
        self.id = id
        self.realmID = realmID
        self.name = name
        self.emoji = emoji
        self.isDefault = isDefault
        self.isArchived = isArchived
        self.minimumBalance = minimumBalance
        self.maximumBalance = maximumBalance
        self.isTransferable = isTransferable
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}

/// What it takes to create a currency.
public struct CurrencyDraft: Sendable, Equatable {
    /// Display name (required, 1 to `Limits.nameLengthMax` characters).
    public var name: String
    /// Optional emoji.
    public var emoji: String?
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
        name: String, emoji: String? = nil, isDefault: Bool = false, minimumBalance: Int64 = 0,
        maximumBalance: Int64? = nil, isTransferable: Bool = true
    ) {
        self.name = name
        self.emoji = emoji
        self.isDefault = isDefault
        self.minimumBalance = minimumBalance
        self.maximumBalance = maximumBalance
        self.isTransferable = isTransferable
    }

    /// Checks the name, emoji and limit fields.
    public func validate(limits: Limits) throws(TallyError) {
        try Validation.name(name, field: "name", limits: limits)
        if let emoji, emoji.count > limits.emojiLengthMax {
            throw .validation("emoji must be at most \(limits.emojiLengthMax) characters.")
        }
        if let maximumBalance, maximumBalance < minimumBalance {
            throw .validation("maximumBalance must not be below minimumBalance.")
        }
        if minimumBalance > 0 {
            throw .validation("minimumBalance must be 0 or below, so that a new member's balance of 0 is valid.")
        }
        if let maximumBalance, maximumBalance < 0 {
            throw .validation("maximumBalance must be 0 or above, so that a new member's balance of 0 is valid.")
        }
    }
}

/// Shared field checks.
public enum Validation {
    /// A name: 1 to `nameLengthMax` characters after trimming, no control characters.
    public static func name(_ value: String, field: String, limits: Limits) throws(TallyError) {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .validation("\(field) must not be empty.") }
        guard value.count <= limits.nameLengthMax else {
            throw .validation("\(field) must be at most \(limits.nameLengthMax) characters.")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .validation("\(field) must not contain control characters.")
        }
    }
}
