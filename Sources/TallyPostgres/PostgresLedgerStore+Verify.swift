import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Streams the journal in (realm, member, currency, seq) order from the server with
    /// back-pressure, so client memory stays constant however large the journal is, with each
    /// entry's balance row joined in (no query per chain), and feeds every row to a
    /// `JournalAuditor`. All reads share one REPEATABLE READ snapshot, so concurrent writers do
    /// not produce false alarms.
    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await transaction("verify", .reading) { connection in try await verify(connection, progress: progress) }
    }

    private func verify(_ connection: PostgresConnection, progress: @escaping @Sendable (Int) -> Void) async throws
        -> VerifyReport
    {
        var auditor = JournalAuditor(progress: progress)
        let listed = Int64(JournalAuditor.violationsListedMax)

        let orphanQueries: [(JournalAuditor.Orphan, PostgresQuery)] = [
            (
                .journalEntry,
                """
                SELECT j.realm_id, j.member_id, j.currency_id, j.id FROM journal j
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = j.realm_id AND m.id = j.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = j.realm_id AND c.id = j.currency_id)
                LIMIT \(listed)
                """
            ),
            (
                .balance,
                """
                SELECT b.realm_id, b.member_id, b.currency_id, NULL::text FROM balances b
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = b.realm_id AND m.id = b.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = b.realm_id AND c.id = b.currency_id)
                LIMIT \(listed)
                """
            ),
            (
                .member,
                """
                SELECT m.realm_id, m.id, NULL::text, NULL::text FROM members m
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = m.realm_id)
                LIMIT \(listed)
                """
            ),
            (
                .currency,
                """
                SELECT c.realm_id, NULL::text, c.id, NULL::text FROM currencies c
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = c.realm_id)
                LIMIT \(listed)
                """
            ),
        ]
        for (what, query) in orphanQueries {
            let rows = try await connection.query(query, logger: logger)
            for try await (realm, member, currency, entry) in rows.decode((String?, String?, String?, String?).self) {
                auditor.orphan(what, realmID: realm, memberID: member, currencyID: currency, entryID: entry)
            }
        }

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

        let unexplained = try await connection.query(
            """
            SELECT b.realm_id, b.member_id, b.currency_id, b.balance FROM balances b
            WHERE b.balance != 0 AND NOT EXISTS (
                SELECT 1 FROM journal j
                WHERE j.realm_id = b.realm_id AND j.member_id = b.member_id AND j.currency_id = b.currency_id)
            LIMIT \(listed)
            """, logger: logger)
        for try await (realm, member, currency, balance) in unexplained.decode((String, String, String, Int64).self) {
            auditor.unexplainedBalance(realmID: realm, memberID: member, currencyID: currency, balance: balance)
        }

        let outOfRange = try await connection.query(
            """
            SELECT b.realm_id, b.member_id, b.currency_id, b.balance, c.minimum_balance, c.maximum_balance
            FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
            WHERE b.balance < c.minimum_balance OR (c.maximum_balance IS NOT NULL AND b.balance > c.maximum_balance)
            LIMIT \(listed)
            """, logger: logger)
        for try await (realm, member, currency, balance, minimum, maximum) in outOfRange.decode(
            (String, String, String, Int64, Int64, Int64?).self)
        {
            auditor.checkRange(
                realmID: realm, memberID: member, currencyID: currency, balance: balance, minimum: minimum,
                maximum: maximum)
        }

        auditor.countBalances(try await count(connection, "SELECT count(*) FROM balances"))
        return auditor.report
    }
}
