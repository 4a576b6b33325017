import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Walks the journal in (realm, member, currency, seq) order through its index, so memory
    /// stays constant however large the journal is, and feeds every row to a `JournalAuditor`.
    /// All reads share one snapshot.
    public func journalEntryCount() async throws -> Int {
        try await read("journalEntryCount") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM journal") ?? 0 }
    }

    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await read("verify") { db in try Self.verify(db, progress: progress) }
    }

    static func verify(_ db: Database, progress: @escaping @Sendable (Int) -> Void) throws -> VerifyReport {
        var auditor = JournalAuditor(progress: progress)
        for (what, sql) in AuditQueries.orphans {
            for row in try Row.fetchAll(db, sql: sql) { try auditor.orphan(what, row: SQLiteStoredRow(row)) }
        }

        // A point lookup per chain keeps the journal scan on its index.
        let balanceOf = try db.cachedStatement(
            sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?")
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT realm_id, member_id, currency_id, id, amount, balance_before, balance_after FROM journal
                ORDER BY realm_id, member_id, currency_id, seq
                """)
        while let row = try entries.next() {
            let entry = JournalAuditor.Entry(
                realmID: row[0], memberID: row[1], currencyID: row[2], entryID: row[3], amount: row[4],
                balanceBefore: row[5], balanceAfter: row[6])
            try auditor.check(entry) {
                try Int64.fetchOne(balanceOf, arguments: [entry.realmID, entry.currencyID, entry.memberID])
            }
        }
        auditor.finishJournal()

        for row in try Row.fetchAll(db, sql: AuditQueries.unexplainedBalances) {
            try auditor.unexplainedBalance(row: SQLiteStoredRow(row))
        }
        for row in try Row.fetchAll(db, sql: AuditQueries.balancesOutOfRange) {
            try auditor.checkRange(row: SQLiteStoredRow(row))
        }
        auditor.countBalances(try Int.fetchOne(db, sql: AuditQueries.balanceCount) ?? 0)
        return auditor.report
    }
}
