import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Walks the journal in (realm, member, currency, seq) order through its index, so memory
    /// stays constant however large the journal is, and feeds every row to a `JournalAuditor`.
    /// All reads share one snapshot.
    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await read("verify") { db in try Self.verify(db, progress: progress) }
    }

    static func verify(_ db: Database, progress: @escaping @Sendable (Int) -> Void) throws -> VerifyReport {
        var auditor = JournalAuditor(progress: progress)
        let listed = "LIMIT \(JournalAuditor.violationsListedMax)"

        let orphanQueries: [(JournalAuditor.Orphan, String)] = [
            (
                .journalEntry,
                """
                SELECT j.realm_id, j.member_id, j.currency_id, j.id FROM journal j
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = j.realm_id AND m.id = j.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = j.realm_id AND c.id = j.currency_id)
                """
            ),
            (
                .balance,
                """
                SELECT b.realm_id, b.member_id, b.currency_id, NULL FROM balances b
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = b.realm_id AND m.id = b.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = b.realm_id AND c.id = b.currency_id)
                """
            ),
            (
                .member,
                """
                SELECT m.realm_id, m.id, NULL, NULL FROM members m
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = m.realm_id)
                """
            ),
            (
                .currency,
                """
                SELECT c.realm_id, NULL, c.id, NULL FROM currencies c
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = c.realm_id)
                """
            ),
        ]
        for (what, sql) in orphanQueries {
            for row in try Row.fetchAll(db, sql: "\(sql) \(listed)") {
                auditor.orphan(what, realmID: row[0], memberID: row[1], currencyID: row[2], entryID: row[3])
            }
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

        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT b.realm_id, b.member_id, b.currency_id, b.balance FROM balances b
                WHERE b.balance != 0 AND NOT EXISTS (
                    SELECT 1 FROM journal j
                    WHERE j.realm_id = b.realm_id AND j.member_id = b.member_id AND j.currency_id = b.currency_id)
                \(listed)
                """)
        {
            auditor.unexplainedBalance(realmID: row[0], memberID: row[1], currencyID: row[2], balance: row[3])
        }

        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT b.realm_id, b.member_id, b.currency_id, b.balance, c.minimum_balance, c.maximum_balance
                FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
                WHERE b.balance < c.minimum_balance OR (c.maximum_balance IS NOT NULL AND b.balance > c.maximum_balance)
                \(listed)
                """)
        {
            auditor.checkRange(
                realmID: row[0], memberID: row[1], currencyID: row[2], balance: row[3], minimum: row[4],
                maximum: row[5])
        }

        auditor.countBalances(try Int.fetchOne(db, sql: "SELECT count(*) FROM balances") ?? 0)
        return auditor.report
    }
}
