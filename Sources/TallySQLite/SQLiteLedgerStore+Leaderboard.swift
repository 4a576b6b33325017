import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func leaderboard(
        in realmID: RealmID, currency currencyID: CurrencyID?, after cursor: LeaderboardCursor?, take: Int
    ) async throws -> LeaderboardPage {
        try await read("leaderboard") { db in
            try Self.requireRealm(db, realmID)
            let currency: Currency?
            if let currencyID {
                currency = try Self.fetchCurrency(db, currencyID, in: realmID)
            } else {
                currency = try Row.fetchOne(
                    db, sql: "SELECT \(Self.currencyColumns) FROM currencies WHERE realm_id = ? AND is_default = 1",
                    arguments: [realmID.rawValue]
                ).map(Self.currency(from:))
            }
            guard let currency else {
                throw TallyError(
                    .currencyNotFound,
                    currencyID.map { "Currency \($0) does not exist in realm \(realmID)." }
                        ?? "Realm \(realmID) has no default currency; pass currencyId.")
            }
            let realm = realmID.rawValue, cid = currency.id.rawValue
            let total =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ?",
                    arguments: [realm, cid])
                ?? 0
            var sql = """
                SELECT b.balance, \(Self.memberColumns.split(separator: ",").map { "m." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM balances b JOIN members m ON m.realm_id = b.realm_id AND m.id = b.member_id
                WHERE b.realm_id = ? AND b.currency_id = ?
                """
            var arguments: StatementArguments = [realm, cid]
            if let cursor {
                sql += " AND (b.balance < ? OR (b.balance = ? AND b.member_id > ?))"
                _ = arguments.append(contentsOf: [cursor.balance, cursor.balance, cursor.memberID.rawValue])
            }
            sql += " ORDER BY b.balance DESC, b.member_id ASC LIMIT ?"
            _ = arguments.append(contentsOf: [take + 1])
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            // Competition ranking: rank = 1 + the number of balances strictly greater. Two counts
            // anchor the page's first balance; the rest follows from the page itself.
            var entries = [LeaderboardEntry]()
            let page = rows.prefix(take)
            if let first: Int64 = page.first?["balance"] {
                let greater =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ? AND balance > ?",
                        arguments: [realm, cid, first]) ?? 0
                let greaterOrEqual =
                    try Int.fetchOne(
                        db,
                        sql: "SELECT count(*) FROM balances WHERE realm_id = ? AND currency_id = ? AND balance >= ?",
                        arguments: [realm, cid, first]) ?? 0
                var belowFirstSoFar = 0
                var previous: (balance: Int64, rank: Int)?
                for row in page {
                    let balance: Int64 = row["balance"]
                    let rank: Int
                    if balance == first {
                        rank = 1 + greater
                    } else if let previous, previous.balance == balance {
                        rank = previous.rank
                    } else {
                        rank = 1 + greaterOrEqual + belowFirstSoFar
                    }
                    if balance < first { belowFirstSoFar += 1 }
                    previous = (balance, rank)
                    entries.append(LeaderboardEntry(member: Self.member(from: row), balance: balance, rank: rank))
                }
            }
            return LeaderboardPage(entries: entries, totalCount: total, hasNextPage: rows.count > take)
        }
    }
}
