/// What a realm's overview shows (docs/CONSOLE.md): how many members it has and what its journal
/// did, hour by hour. Both are kept as writes commit (a counter per realm, a row per realm,
/// currency and hour), so reading them scans neither the members nor the journal.
public struct RealmOverview: Sendable, Equatable {
    /// The realm's members, not counting the balance holders of ghost credentials.
    public let members: Int64
    /// Each hour and currency with at least one journal entry since the hour asked for, oldest
    /// hour first, then by currency id.
    public let activity: [ActivityHour]

    public init(members: Int64, activity: [ActivityHour]) {
        self.members = members
        self.activity = activity
    }
}

/// One currency's journal entries in one hour of a realm.
public struct ActivityHour: Sendable, Equatable {
    /// The hour's start, in milliseconds since 1970 (a multiple of `ActivityHour.length`).
    public let hourStart: Int64
    public let currencyID: CurrencyID
    /// How many entries.
    public let changes: Int64
    /// The sum of the positive amounts (points added); at most `Int64.max`.
    public let credited: Int64
    /// The sum of the negative amounts' magnitudes (points taken away); at most `Int64.max`.
    public let debited: Int64

    /// An hour, in milliseconds.
    public static let length: Int64 = 3_600_000

    public init(hourStart: Int64, currencyID: CurrencyID, changes: Int64, credited: Int64, debited: Int64) {
        self.hourStart = hourStart
        self.currencyID = currencyID
        self.changes = changes
        self.credited = credited
        self.debited = debited
    }

    /// The start of the hour `milliseconds` falls in.
    public static func start(of milliseconds: Int64) -> Int64 {
        milliseconds - ((milliseconds % length) + length) % length
    }
}
