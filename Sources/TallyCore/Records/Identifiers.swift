/// The kinds of identifier Tally uses; each one is a distinct `TallyID` type.
public enum RealmKind: Sendable {}
/// Marks member ids (`dripId`).
public enum MemberKind: Sendable {}
/// Marks currency ids.
public enum CurrencyKind: Sendable {}
/// Marks journal entry ids.
public enum JournalEntryKind: Sendable {}
/// Marks batch ids.
public enum BatchKind: Sendable {}
/// Marks API key ids.
public enum KeyKind: Sendable {}
/// Marks ghost credential ids.
public enum CredentialKind: Sendable {}
/// The kind of an event's id.
public enum EventKind: Sendable {}
/// The kind of a webhook subscription's id.
public enum WebhookKind: Sendable {}
/// The kind of a delivery attempt's id.
public enum DeliveryAttemptKind: Sendable {}

/// A 24-hex identifier compatible with MongoDB ObjectIds, typed by what it names so that a
/// member id can never be passed where a realm id is expected.
///
/// The stored form is always lowercase; parsing accepts either case (SPEC section 1).
public struct TallyID<Kind>: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The canonical lowercase 24-hex text.
    public let rawValue: String

    /// Characters in an id's text: 24 hex digits, as a MongoDB ObjectId.
    public static var textLength: Int { 24 }

    /// Parses `text`; returns nil unless it matches `^[0-9a-fA-F]{24}$`.
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == Self.textLength, text.utf8.allSatisfy(Self.isHexDigit) else { return nil }
        self.rawValue = text.lowercased()
    }

    /// Wraps text already known to be canonical (read back from storage).
    public init(canonical: String) {
        precondition(canonical.utf8.count == Self.textLength, "a stored id must be 24 hex digits")
        self.rawValue = canonical
    }

    /// The canonical text.
    public var description: String { rawValue }

    public static func < (lhs: TallyID, rhs: TallyID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// True when `byte` is an ASCII hex digit.
    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }
}

extension TallyID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = TallyID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be 24 hexadecimal digits")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A realm's id.
public typealias RealmID = TallyID<RealmKind>
/// A member's id, the DRIP `dripId`.
public typealias MemberID = TallyID<MemberKind>
/// A currency's id.
public typealias CurrencyID = TallyID<CurrencyKind>
/// A journal entry's id.
public typealias JournalEntryID = TallyID<JournalEntryKind>
/// A batch's id: every journal entry of one batch carries it.
public typealias BatchID = TallyID<BatchKind>
/// An API key's id (public; the secret is separate).
public typealias KeyID = TallyID<KeyKind>
/// A ghost credential's id; also the id of the balance holder that keeps its balances.
public typealias CredentialID = TallyID<CredentialKind>
/// An event's id (`Event`), unique across realms.
public typealias EventID = TallyID<EventKind>
/// A webhook subscription's id (`Webhook`).
public typealias WebhookID = TallyID<WebhookKind>
/// A delivery attempt's id (`DeliveryAttempt`).
public typealias DeliveryAttemptID = TallyID<DeliveryAttemptKind>
