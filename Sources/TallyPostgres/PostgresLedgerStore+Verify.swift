import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Streams the journal in (realm, member, currency, seq) order from the server with
    /// back-pressure, so client memory stays constant however large the journal is, with each
    /// entry's balance row joined in (no query per chain), and feeds every row to a
    /// `JournalAuditor`. All reads share one REPEATABLE READ snapshot, so concurrent writers do
    /// not produce false alarms.
    public func journalEntryCount() async throws -> Int {
        try await transaction("journalEntryCount", .reading) { connection in
            try await count(connection, "SELECT count(*) FROM journal")
        }
    }

    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await transaction("verify", .reading) { connection in try await verify(connection, progress: progress) }
    }

    private func verify(_ connection: PostgresConnection, progress: @escaping @Sendable (Int) -> Void) async throws
        -> VerifyReport
    {
        var auditor = JournalAuditor(progress: progress)
        for (what, sql) in AuditQueries.orphans {
            for row in try await all(connection, PostgresQuery(unsafeSQL: sql)) {
                try auditor.orphan(what, row: PostgresStoredRow(row))
            }
        }

        try connection.requireOpen()
        let entries = try await connection.query(
            """
            SELECT j.realm_id, j.member_id, j.currency_id, j.id, j.amount, j.balance_before, j.balance_after, b.balance
            FROM journal j LEFT JOIN balances b
                ON b.realm_id = j.realm_id AND b.currency_id = j.currency_id AND b.member_id = j.member_id
            ORDER BY j.realm_id, j.member_id, j.currency_id, j.seq
            """, logger: logger)
        for try await (realm, member, currency, entryID, amount, before, after, balance) in entries.decode(
            (String, String, String, String, Int64, Int64, Int64, Int64?).self)
        {
            auditor.check(
                .init(
                    realmID: realm, memberID: member, currencyID: currency, entryID: entryID, amount: amount,
                    balanceBefore: before, balanceAfter: after)
            ) { balance }
        }
        auditor.finishJournal()

        for row in try await all(connection, PostgresQuery(unsafeSQL: AuditQueries.unexplainedBalances())) {
            try auditor.unexplainedBalance(row: PostgresStoredRow(row))
        }
        for row in try await all(connection, PostgresQuery(unsafeSQL: AuditQueries.balancesOutOfRange)) {
            try auditor.checkRange(row: PostgresStoredRow(row))
        }
        for sql in AuditQueries.keptCounts(Self.statements.dialect) {
            for row in try await all(connection, PostgresQuery(unsafeSQL: sql)) {
                try auditor.keptCount(row: PostgresStoredRow(row))
            }
        }
        auditor.countBalances(try await count(connection, PostgresQuery(unsafeSQL: AuditQueries.balanceCount)))
        return auditor.report
    }
}
