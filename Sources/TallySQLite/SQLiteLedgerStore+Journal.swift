import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func journal(of member: MemberID, in realmID: RealmID, before: Int64?, limit: Int) async throws
        -> JournalPage
    {
        try await readSettled("journal") { db in
            let entries = try db.rows(Self.statements.journal(of: member, in: realmID, before: before, limit: limit))
                .map(JournalEntry.init(stored:))
            // Only an empty page can belong to a member that does not exist.
            if entries.isEmpty, try Self.fetchMember(db, member, in: realmID) == nil {
                try Self.requireRealm(db, realmID)
                throw TallyError.notFound(member, in: realmID)
            }
            return JournalPage(fetched: entries, limit: limit)
        }
    }
}
