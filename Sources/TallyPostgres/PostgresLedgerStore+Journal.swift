import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) async throws
        -> JournalPage
    {
        try await transaction("journal", .reading) { connection in
            let entries = try await rows(
                connection, Self.statements.journal(of: member, in: realmID, before: before, limit: limit)
            ).map(JournalEntry.init(stored:))
            // Only an empty page can belong to a member that does not exist.
            if entries.isEmpty, try await fetchMember(connection, member, in: realmID) == nil {
                try await requireRealm(connection, realmID)
                throw TallyError.notFound(member, in: realmID)
            }
            return JournalPage(fetched: entries, limit: limit)
        }
    }
}
