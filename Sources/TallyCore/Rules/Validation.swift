import Foundation

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

extension Validation {
    /// Emoji and custom emoji URL lengths.
    public static func currencyFields(emoji: String?, customEmojiURL: String?, limits: Limits) throws(TallyError) {
        if let emoji, emoji.count > limits.emojiLengthMax {
            throw .validation("emoji must be at most \(limits.emojiLengthMax) characters.")
        }
        if let customEmojiURL, customEmojiURL.count > limits.urlLengthMax {
            throw .validation("customEmojiUrl must be at most \(limits.urlLengthMax) characters.")
        }
    }

    /// A floor at or below 0 and a ceiling at or above 0 and the floor, so a fresh balance of 0 is valid.
    public static func balanceLimits(minimum minimumBalance: Int64, maximum maximumBalance: Int64?) throws(TallyError) {
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
