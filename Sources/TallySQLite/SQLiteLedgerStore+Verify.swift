import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Walks the journal in (realm, member, currency, seq) order through its index, so memory
    /// stays constant however large the journal is, and compares each balance's chain with the
    /// balance row. All reads share one snapshot.
    public func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport {
        try await read("verify") { db in try Self.verify(db, progress: progress) }
    }

    /// Violations beyond this many are counted but not listed, so a badly broken file cannot
    /// exhaust memory.
    static let violationsListedMax = 1_000

    static func verify(_ db: Database, progress: @Sendable (Int) -> Void) throws -> VerifyReport {
        var report = VerifyReport()
        func record(
            _ kind: VerifyReport.Violation.Kind, _ realm: String?, _ member: String?, _ currency: String?,
            _ message: String
        ) {
            guard report.violations.count < violationsListedMax else { return }
            report.violations.append(
                .init(kind: kind, realmID: realm, memberID: member, currencyID: currency, message: message))
        }

        // 1. Rows that point at nothing.
        let orphanQueries: [(String, String)] = [
            (
                "journal entry",
                """
                SELECT j.realm_id, j.member_id, j.currency_id, j.id FROM journal j
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = j.realm_id AND m.id = j.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = j.realm_id AND c.id = j.currency_id)
                """
            ),
            (
                "balance",
                """
                SELECT b.realm_id, b.member_id, b.currency_id, NULL FROM balances b
                WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.realm_id = b.realm_id AND m.id = b.member_id)
                   OR NOT EXISTS (SELECT 1 FROM currencies c WHERE c.realm_id = b.realm_id AND c.id = b.currency_id)
                """
            ),
            (
                "member",
                """
                SELECT m.realm_id, m.id, NULL, NULL FROM members m
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = m.realm_id)
                """
            ),
            (
                "currency",
                """
                SELECT c.realm_id, NULL, c.id, NULL FROM currencies c
                WHERE NOT EXISTS (SELECT 1 FROM realms r WHERE r.id = c.realm_id)
                """
            ),
        ]
        for (what, sql) in orphanQueries {
            for row in try Row.fetchAll(db, sql: sql + " LIMIT \(violationsListedMax)") {
                let entry: String? = row[3]
                record(
                    .orphanRow, row[0], row[1], row[2],
                    "A \(what)\(entry.map { " (\($0))" } ?? "") refers to a realm, member or currency that does not exist."
                )
            }
        }

        // 2. Journal chains against balances.
        let balanceOf = try db.cachedStatement(
            sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?")
        struct Chain {
            var realm: String, member: String, currency: String
            var sum: Int64 = 0, lastAfter: Int64 = 0, sumOverflowed = false
        }
        var current: Chain?
        func close(_ chain: Chain) throws {
            let balance = try Int64.fetchOne(balanceOf, arguments: [chain.realm, chain.currency, chain.member])
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
        let entries = try Row.fetchCursor(
            db,
            sql: """
                SELECT realm_id, member_id, currency_id, id, amount, balance_before, balance_after FROM journal
                ORDER BY realm_id, member_id, currency_id, seq
                """)
        while let row = try entries.next() {
            let realm: String = row[0], member: String = row[1], currency: String = row[2]
            if let chain = current, chain.realm != realm || chain.member != member || chain.currency != currency {
                try close(chain)
                current = nil
            }
            var chain = current ?? Chain(realm: realm, member: member, currency: currency)
            let entryID: String = row[3]
            let amount: Int64 = row[4], before: Int64 = row[5], after: Int64 = row[6]
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
        if let chain = current {
            try close(chain)
        }
        progress(report.entriesChecked)

        // 3. Balances that no journal entry explains.
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT b.realm_id, b.member_id, b.currency_id, b.balance FROM balances b
                WHERE b.balance != 0 AND NOT EXISTS (
                    SELECT 1 FROM journal j
                    WHERE j.realm_id = b.realm_id AND j.member_id = b.member_id AND j.currency_id = b.currency_id)
                LIMIT \(violationsListedMax)
                """)
        {
            let balance: Int64 = row[3]
            record(
                .journalSumMismatch, row[0], row[1], row[2],
                "The balance is \(balance) but no journal entry explains it.")
        }

        // 4. Floors and ceilings.
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT b.realm_id, b.member_id, b.currency_id, b.balance, c.minimum_balance, c.maximum_balance
                FROM balances b JOIN currencies c ON c.realm_id = b.realm_id AND c.id = b.currency_id
                WHERE b.balance < c.minimum_balance OR (c.maximum_balance IS NOT NULL AND b.balance > c.maximum_balance)
                LIMIT \(violationsListedMax)
                """)
        {
            let balance: Int64 = row[3], floor: Int64 = row[4]
            let ceiling: Int64? = row[5]
            if balance < floor {
                record(.belowMinimum, row[0], row[1], row[2], "The balance \(balance) is below the minimum \(floor).")
            } else {
                record(
                    .aboveMaximum, row[0], row[1], row[2],
                    "The balance \(balance) is above the maximum \(ceiling ?? 0).")
            }
        }

        report.balancesChecked = try Int.fetchOne(db, sql: "SELECT count(*) FROM balances") ?? 0
        return report
    }
}
