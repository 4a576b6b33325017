import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Walks the journal in (realm, member, currency, seq) order through the member index (and
    /// the short tail after the ledger checkpoint), so memory stays flat however large the
    /// journal is, and feeds every row to a `JournalAuditor`. All reads share one snapshot.
    public func journalEntryCount() async throws -> Int {
        try await read("journalEntryCount") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM journal") ?? 0 }
    }

    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await readSettled("verify") { db in try Self.verify(db, progress: progress) }
    }

    /// The order of the walk: a chain's entries together, in sequence.
    private static func walkOrder(_ entry: (JournalAuditor.Entry, Int64)) -> (String, String, String, Int64) {
        (entry.0.realmID, entry.0.memberID, entry.0.currencyID, entry.1)
    }

    static func verify(_ db: Database, progress: @escaping @Sendable (Int) -> Void) throws -> VerifyReport {
        // The balance file is read first: its snapshot then covers no entry that this snapshot of
        // the journal lacks.
        let covered = try BalanceFile.covered(db).seq
        var auditor = JournalAuditor(progress: progress)
        for (what, sql) in AuditQueries.orphans {
            for row in try Row.fetchAll(db, sql: sql) { try auditor.orphan(what, row: SQLiteStoredRow(row)) }
        }

        // The walk reads the entries the balance file covers through the member index, in
        // (realm, member, currency, seq) order, and merges in the tail after it,
        // which is short and sorted here. A point lookup per chain reads its balance: the file
        // covers the journal up to its sequence number, and a balance the tail touched is the tail's
        // last balance after (docs/decisions/0009), so the table and the tail together must
        // equal the journal's chains.
        auditor.checkIndex(
            "member_journal", indexed: try Int.fetchOne(db, sql: "SELECT count(*) FROM member_journal") ?? 0,
            expected: try Int.fetchOne(db, sql: "SELECT count(*) FROM journal WHERE seq <= ?", arguments: [covered])
                ?? 0)
        let tail = try BalanceFile.tail(db, after: covered)
        let balanceOf = try db.cachedStatement(
            sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?")
        func check(_ entry: JournalAuditor.Entry) throws {
            try auditor.check(entry) {
                if let after = tail[.init(realm: entry.realmID, currency: entry.currencyID, member: entry.memberID)] {
                    return after
                }
                return try Int64.fetchOne(balanceOf, arguments: [entry.realmID, entry.currencyID, entry.memberID])
            }
        }
        let columns = "j.realm_id, j.member_id, j.currency_id, j.id, j.amount, j.balance_before, j.balance_after, j.seq"
        func entry(_ row: Row) -> (JournalAuditor.Entry, Int64) {
            (
                JournalAuditor.Entry(
                    realmID: row[0], memberID: row[1], currencyID: row[2], entryID: row[3], amount: row[4],
                    balanceBefore: row[5], balanceAfter: row[6]),
                row[7]
            )
        }
        var tailEntries = try Row.fetchAll(
            db, sql: "SELECT \(columns) FROM journal j WHERE j.seq > ?", arguments: [covered]
        ).map(entry)
        tailEntries.sort { Self.walkOrder($0) < Self.walkOrder($1) }
        var next = tailEntries.makeIterator()
        var pending = next.next()
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT \(columns) FROM member_journal x JOIN journal j ON j.seq = x.seq
                ORDER BY x.realm_id, x.member_id, j.currency_id, x.seq
                """)
        while let row = try entries.next() {
            let indexed = entry(row)
            while let tailEntry = pending, Self.walkOrder(tailEntry) < Self.walkOrder(indexed) {
                try check(tailEntry.0)
                pending = next.next()
            }
            try check(indexed.0)
        }
        while let tailEntry = pending {
            try check(tailEntry.0)
            pending = next.next()
        }
        auditor.finishJournal()

        for row in try Row.fetchAll(db, sql: AuditQueries.unexplainedBalances(memberIndex: "member_journal")) {
            try auditor.unexplainedBalance(row: SQLiteStoredRow(row))
        }
        for row in try Row.fetchAll(db, sql: AuditQueries.balancesOutOfRange) {
            try auditor.checkRange(row: SQLiteStoredRow(row))
        }
        for sql in AuditQueries.keptCounts(statements.dialect) {
            for row in try Row.fetchAll(db, sql: sql) { try auditor.keptCount(row: SQLiteStoredRow(row)) }
        }
        auditor.countBalances(try Int.fetchOne(db, sql: AuditQueries.balanceCount) ?? 0)
        return auditor.report
    }
}
