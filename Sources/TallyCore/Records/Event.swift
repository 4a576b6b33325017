/// What an event says happened (docs/EVENTS.md). DRIP's names where DRIP has one.
public enum EventType: String, Sendable, CaseIterable, Comparable {
    /// A write whose every change is a credit (no change is negative).
    case pointsAwarded = "member.points.awarded"
    /// A write whose every change is a debit (no change is positive, one is negative).
    case pointsDeducted = "member.points.deducted"
    /// A write with both credits and debits, such as a transfer.
    case pointsUpdated = "member.points.updated"
    /// A member was created, by the API or by `tally member import`.
    case memberJoined = "member.joined"
    /// A currency was created.
    case currencyCreated = "currency.created"
    /// A currency's fields were changed.
    case currencyUpdated = "currency.updated"
    /// A currency was archived.
    case currencyArchived = "currency.archived"
    /// A currency was unarchived.
    case currencyUnarchived = "currency.unarchived"

    public static func < (lhs: EventType, rhs: EventType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The types `names` names (the feed's `types`, a subscription's `types`, `--types`); an
    /// unknown name, or none at all, is a `VALIDATION_ERROR` that lists the known ones.
    public static func parse(_ names: some Sequence<some StringProtocol>, field: String) throws(TallyError)
        -> Set<EventType>
    {
        var types = Set<EventType>()
        for name in names {
            guard let type = EventType(rawValue: String(name)) else {
                let known = allCases.map(\.rawValue).joined(separator: ", ")
                throw .validation("\(field) must name event types among: \(known); '\(name.prefix(64))' is not one.")
            }
            types.insert(type)
        }
        guard !types.isEmpty else { throw .validation("\(field) must name at least one event type.") }
        return types
    }
}

/// An event as recorded: written in the same transaction as the write it describes, so it exists
/// if and only if that write committed.
public struct Event: Sendable, Equatable {
    /// The realm whose feed holds it.
    public let realmID: RealmID
    /// Its place in the realm's feed: 1, 2, 3, ... with no gap, in commit order.
    public let sequence: Int64
    /// Its id.
    public let id: EventID
    /// What happened.
    public let type: EventType
    /// The details (docs/EVENTS.md gives each type's).
    public let data: JSONValue
    /// When the write ran.
    public let createdAtMilliseconds: Int64

    /// An event.
    public init(
        realmID: RealmID, sequence: Int64, id: EventID, type: EventType, data: JSONValue, createdAtMilliseconds: Int64
    ) {
        self.realmID = realmID
        self.sequence = sequence
        self.id = id
        self.type = type
        self.data = data
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}

/// An event before the store gives it a sequence number and an id.
public struct EventDraft: Sendable, Equatable {
    /// The realm whose feed will hold it.
    public let realmID: RealmID
    /// What happened.
    public let type: EventType
    /// The details.
    public let data: JSONValue

    /// A draft.
    public init(realmID: RealmID, type: EventType, data: JSONValue) {
        self.realmID = realmID
        self.type = type
        self.data = data
    }

    /// The event, numbered `sequence` in its realm.
    public func recorded(sequence: Int64, id: EventID, now: Int64) -> Event {
        Event(realmID: realmID, sequence: sequence, id: id, type: type, data: data, createdAtMilliseconds: now)
    }
}
