import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func events(in realmID: RealmID, after: Int64, limit: Int, types: Set<EventType>?) async throws -> [Event] {
        try await transaction("events", .reading) { connection in
            let events = try await rows(
                connection, Self.statements.events(in: realmID, after: after, limit: limit, types: types?.sorted())
            ).map(Event.init(stored:))
            // Only an empty page can belong to a realm that does not exist.
            if events.isEmpty { try await requireRealm(connection, realmID) }
            return events
        }
    }
}
