import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func events(in realmID: RealmID, after: Int64, limit: Int, types: Set<EventType>?) async throws -> [Event] {
        try await read("events") { db in
            let events = try db.rows(
                Self.statements.events(in: realmID, after: after, limit: limit, types: types?.sorted())
            )
            .map(Event.init(stored:))
            // Only an empty page can belong to a realm that does not exist.
            if events.isEmpty { try Self.requireRealm(db, realmID) }
            return events
        }
    }
}
