import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func leaderboard(
        in realmID: RealmID, currency currencyID: CurrencyID?, after cursor: LeaderboardCursor?, take: Int
    ) async throws -> LeaderboardPage {
        try await transaction("leaderboard", .reading) { connection in
            try await requireRealm(connection, realmID)
            let currency: Currency?
            if let currencyID {
                currency = try await fetchCurrency(connection, currencyID, in: realmID)
            } else {
                currency = try await first(
                    connection,
                    """
                    SELECT \(unescaped: Self.currencyColumns) FROM currencies
                    WHERE realm_id = \(realmID.rawValue) AND is_default
                    """
                ).map(Self.currency(from:))
            }
            guard let currency else {
                throw TallyError(
                    .currencyNotFound,
                    currencyID.map { "Currency \($0) does not exist in realm \(realmID)." }
                        ?? "Realm \(realmID) has no default currency; pass currencyId.")
            }
            let realm = realmID.rawValue, cid = currency.id.rawValue
            let total = try await count(
                connection, "SELECT count(*) FROM balances WHERE realm_id = \(realm) AND currency_id = \(cid)")
            var sql = SQLBuilder()
            sql.text = """
                SELECT b.balance, \(Self.qualified(Self.memberColumns, "m"))
                FROM balances b JOIN members m ON m.realm_id = b.realm_id AND m.id = b.member_id
                WHERE b.realm_id = \(sql.bind(realm)) AND b.currency_id = \(sql.bind(cid))
                """
            if let cursor {
                let balance = sql.bind(cursor.balance)
                sql.text +=
                    " AND (b.balance < \(balance) OR (b.balance = \(balance) AND b.member_id > \(sql.bind(cursor.memberID.rawValue))))"
            }
            sql.text += " ORDER BY b.balance DESC, b.member_id ASC LIMIT \(sql.bind(Int64(take + 1)))"
            let rows = try await all(connection, sql.query)
            // Competition ranking: rank = 1 + the number of balances strictly greater. Two counts
            // anchor the page's first balance; the rest follows from the page itself.
            var entries = [LeaderboardEntry]()
            let page = rows.prefix(take)
            if let firstRow = page.first {
                let first = try firstRow["balance"].decode(Int64.self)
                let greater = try await count(
                    connection,
                    """
                    SELECT count(*) FROM balances WHERE realm_id = \(realm) AND currency_id = \(cid)
                    AND balance > \(first)
                    """)
                let greaterOrEqual = try await count(
                    connection,
                    """
                    SELECT count(*) FROM balances WHERE realm_id = \(realm) AND currency_id = \(cid)
                    AND balance >= \(first)
                    """)
                var belowFirstSoFar = 0
                var previous: (balance: Int64, rank: Int)?
                for row in page {
                    let balance = try row["balance"].decode(Int64.self)
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
                    entries.append(LeaderboardEntry(member: try Self.member(from: row), balance: balance, rank: rank))
                }
            }
            return LeaderboardPage(entries: entries, totalCount: total, hasNextPage: rows.count > take)
        }
    }
}
