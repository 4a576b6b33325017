import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func events(in realmID: RealmID, after: Int64, limit: Int, types: Set<EventType>?) async throws -> [Event] {
        try await numberEvents(in: realmID)
        return try await transaction("events", .reading) { connection in
            let events = try await rows(
                connection, Self.statements.events(in: realmID, after: after, limit: limit, types: types?.sorted())
            ).map(Event.init(stored:))
            // Only an empty page can belong to a realm that does not exist.
            if events.isEmpty { try await requireRealm(connection, realmID) }
            return events
        }
    }
}

extension PostgresLedgerStore {
    /// Numbers the committed event drafts of `realm` (of every realm when nil) in a transaction of
    /// its own (`tally_number_events`): what reads the feed or the realm's last sequence number
    /// runs it first, so it sees every event whose write committed before it began.
    func numberEvents(in realm: RealmID?) async throws {
        try await transaction("numberEvents") { connection in
            // Read the row: an error raised while the statement runs arrives with it.
            _ = try await first(connection, "SELECT tally_number_events(\(realm?.rawValue))")
        }
    }
}
