import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) async throws
        -> JournalPage
    {
        try await read("journal") { db in
            var sql = "SELECT \(Self.journalColumns) FROM journal WHERE realm_id = ? AND member_id = ?"
            var arguments: StatementArguments = [realmID.rawValue, member.rawValue]
            if let before {
                sql += " AND seq < ?"
                _ = arguments.append(contentsOf: [before])
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit + 1])
            let entries = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.journalEntry(from:))
            let page = Array(entries.prefix(limit))
            return JournalPage(
                entries: page, nextCursor: entries.count > limit ? page.last.map { String($0.sequence) } : nil)
        }
    }
}
