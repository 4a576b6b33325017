import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) async throws
        -> JournalPage
    {
        try await transaction("journal", .reading) { connection in
            var sql = SQLBuilder()
            sql.text = """
                SELECT \(StoredSchema.journalColumns) FROM journal
                WHERE realm_id = \(sql.bind(realmID.rawValue)) AND member_id = \(sql.bind(member.rawValue))
                """
            if let before { sql.text += " AND seq < \(sql.bind(before))" }
            sql.text += " ORDER BY seq DESC LIMIT \(sql.bind(Int64(JournalPage.rowsToFetch(limit: limit))))"
            let entries = try await all(connection, sql.query).map(Self.journalEntry(from:))
            // Only an empty page can belong to a member that does not exist.
            if entries.isEmpty, try await fetchMember(connection, member, in: realmID) == nil {
                try await requireRealm(connection, realmID)
                throw TallyError.notFound(member, in: realmID)
            }
            return JournalPage(fetched: entries, limit: limit)
        }
    }
}
