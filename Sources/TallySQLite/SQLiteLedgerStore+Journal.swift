import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) async throws
        -> JournalPage
    {
        try await read("journal") { db in
            var sql = "SELECT \(StoredSchema.journalColumns) FROM journal WHERE realm_id = ? AND member_id = ?"
            var arguments: StatementArguments = [realmID.rawValue, member.rawValue]
            if let before {
                sql += " AND seq < ?"
                _ = arguments.append(contentsOf: [before])
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            _ = arguments.append(contentsOf: [JournalPage.rowsToFetch(limit: limit)])
            let entries = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.journalEntry(from:))
            // Only an empty page can belong to a member that does not exist.
            if entries.isEmpty, try Self.fetchMember(db, member, in: realmID) == nil {
                try Self.requireRealm(db, realmID)
                throw TallyError.notFound(member, in: realmID)
            }
            return JournalPage(fetched: entries, limit: limit)
        }
    }
}
