import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Walks the journal in (realm, member, currency, seq) order, streamed from the server with
    /// back-pressure so client memory stays constant however large the journal is, and compares
    /// each balance's chain with its balance row (joined in, so no query per chain). All reads
    /// share one REPEATABLE READ snapshot, so concurrent writers do not produce false alarms.
    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await transaction("verify", .reading) { connection in try await verify(connection, progress: progress) }
    }

    /// Violations beyond this many are counted but not listed, so a badly broken database cannot
    /// exhaust memory.
    static let violationsListedMax = 1_000

    private struct Chain {
        var realm: String, member: String, currency: String, balance: Int64?
        var sum: Int64 = 0, lastAfter: Int64 = 0, sumOverflowed = false
    }

    private func verify(_ connection: PostgresConnection, progress: @Sendable (Int) -> Void) async throws
        -> VerifyReport
    {
        var report = VerifyReport()
        func record(
            _ kind: VerifyReport.Violation.Kind, _ realm: String?, _ member: String?, _ currency: String?,
            _ message: String
        ) {
            guard report.violations.count < Self.violationsListedMax else { return }
            report.violations.append(
                .init(kind: kind, realmID: realm, memberID: member, currencyID: currency, message: message))
        }
        let listed = Int64(Self.violationsListedMax)

        // 1. Rows that point at nothing.
        let orphanQueries: [(String, PostgresQuery)] = [
            (
                "journal entry",
                """
                SELECT j.realm_id, j.member_id, j.currency_id, j.id FROM journal j
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = j.realm_id AND m.id = j.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = j.realm_id AND c.id = j.currency_id)
                LIMIT \(listed)
                """
            ),
            (
                "balance",
                """
                SELECT b.realm_id, b.member_id, b.currency_id, NULL::text FROM balances b
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = b.realm_id AND m.id = b.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = b.realm_id AND c.id = b.currency_id)
                LIMIT \(listed)
                """
            ),
            (
                "member",
                """
                SELECT m.realm_id, m.id, NULL::text, NULL::text FROM members m
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = m.realm_id)
                LIMIT \(listed)
                """
            ),
            (
                "currency",
                """
                SELECT c.realm_id, NULL::text, c.id, NULL::text FROM currencies c
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = c.realm_id)
                LIMIT \(listed)
                """
            ),
        ]
        for (what, query) in orphanQueries {
            for row in try await all(connection, query) {
                let entry = try row[3].decode(String?.self)
                record(
                    .orphanRow, try row[0].decode(String?.self), try row[1].decode(String?.self),
                    try row[2].decode(String?.self),
                    "A \(what)\(entry.map { " (\($0))" } ?? "") refers to a realm, member or currency that does not exist."
                )
            }
        }

        // 2. Journal chains against balances.
        func close(_ chain: Chain) {
            let balance = chain.balance
            let where_ = "member \(chain.member), currency \(chain.currency)"
            if chain.sumOverflowed || chain.sum != (balance ?? 0) {
                record(
                    .journalSumMismatch, chain.realm, chain.member, chain.currency,
                    "For \(where_) the journal sums to \(chain.sumOverflowed ? "more than 64 bits" : String(chain.sum)) but the balance is \(balance.map(String.init) ?? "absent")."
                )
            }
            if chain.lastAfter != (balance ?? 0) {
                record(
                    .lastEntryMismatch, chain.realm, chain.member, chain.currency,
                    "For \(where_) the last journal entry ends at \(chain.lastAfter) but the balance is \(balance.map(String.init) ?? "absent")."
                )
            }
        }
        var current: Chain?
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
            if let chain = current, chain.realm != realm || chain.member != member || chain.currency != currency {
                close(chain)
                current = nil
            }
            var chain = current ?? Chain(realm: realm, member: member, currency: currency, balance: balance)
            if before != chain.lastAfter {
                record(
                    .chainBroken, realm, member, currency,
                    "Journal entry \(entryID) starts at \(before) but the entry before it ended at \(chain.lastAfter).")
            }
            let (expected, overflow) = before.addingReportingOverflow(amount)
            if overflow || expected != after {
                record(
                    .entryArithmetic, realm, member, currency,
                    "Journal entry \(entryID): \(before) plus \(amount) is not \(after).")
            }
            let (sum, sumOverflow) = chain.sum.addingReportingOverflow(amount)
            chain.sum = sum
            chain.sumOverflowed = chain.sumOverflowed || sumOverflow
            chain.lastAfter = after
            current = chain
            report.entriesChecked += 1
            if report.entriesChecked % 100_000 == 0 { progress(report.entriesChecked) }
        }
        if let chain = current { close(chain) }
        progress(report.entriesChecked)

        // 3. Balances that no journal entry explains.
        for row in try await all(
            connection,
            """
            SELECT b.realm_id, b.member_id, b.currency_id, b.balance FROM balances b
            WHERE b.balance != 0 AND NOT EXISTS (
                SELECT 1 FROM journal j
                WHERE j.realm_id = b.realm_id AND j.member_id = b.member_id AND j.currency_id = b.currency_id)
            LIMIT \(listed)
            """)
        {
            let balance = try row[3].decode(Int64.self)
            record(
                .journalSumMismatch, try row[0].decode(String.self), try row[1].decode(String.self),
                try row[2].decode(String.self), "The balance is \(balance) but no journal entry explains it.")
        }

        // 4. Floors and ceilings.
        for row in try await all(
            connection,
            """
            SELECT b.realm_id, b.member_id, b.currency_id, b.balance, c.minimum_balance, c.maximum_balance
            FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
            WHERE b.balance < c.minimum_balance OR (c.maximum_balance IS NOT NULL AND b.balance > c.maximum_balance)
            LIMIT \(listed)
            """)
        {
            let realm = try row[0].decode(String.self), member = try row[1].decode(String.self)
            let currency = try row[2].decode(String.self)
            let balance = try row[3].decode(Int64.self), floor = try row[4].decode(Int64.self)
            let ceiling = try row[5].decode(Int64?.self)
            if balance < floor {
                record(.belowMinimum, realm, member, currency, "The balance \(balance) is below the minimum \(floor).")
            } else {
                record(
                    .aboveMaximum, realm, member, currency,
                    "The balance \(balance) is above the maximum \(ceiling ?? 0).")
            }
        }

        report.balancesChecked = try await count(connection, "SELECT count(*) FROM balances")
        return report
    }
}
