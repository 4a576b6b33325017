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
                    SELECT \(unescaped: StoredSchema.currencyColumns) FROM currencies
                    WHERE realm_id = \(realmID.rawValue) AND is_default
                    """
                ).map(Self.currency(from:))
            }
            guard let currency else { throw TallyError.leaderboardCurrencyNotFound(currencyID, in: realmID) }
            let realm = realmID.rawValue, cid = currency.id.rawValue
            var sql = SQLBuilder()
            sql.text = """
                SELECT b.balance, \(StoredSchema.qualified(StoredSchema.memberColumns, "m"))
                FROM balances b JOIN members m ON m.realm_id = b.realm_id AND m.id = b.member_id
                WHERE b.realm_id = \(sql.bind(realm)) AND b.currency_id = \(sql.bind(cid))
                """
            if let cursor {
                let balance = sql.bind(cursor.balance)
                sql.text +=
                    " AND (b.balance < \(balance) OR (b.balance = \(balance) AND b.member_id > \(sql.bind(cursor.memberID.rawValue))))"
            }
            let fetched = Int64(LeaderboardRanking.rowsToFetch(take: take))
            sql.text += " ORDER BY b.balance DESC, b.member_id ASC LIMIT \(sql.bind(fetched))"
            let ranking = LeaderboardRanking(
                rows: try await all(connection, sql.query).map {
                    .init(member: try Self.member(from: $0), balance: try $0["balance"].decode(Int64.self))
                }, take: take)
            // One pass over the currency's balances counts them all and those around the anchor.
            let anchor = ranking.anchorBalance
            let counts = try await first(
                connection,
                """
                SELECT count(*), count(*) FILTER (WHERE balance > \(anchor)), count(*) FILTER (WHERE balance >= \(anchor))
                FROM balances WHERE realm_id = \(realm) AND currency_id = \(cid)
                """)
            func counted(_ column: Int) throws -> Int { Int(try counts?[column].decode(Int64.self) ?? 0) }
            return ranking.page(greater: try counted(1), greaterOrEqual: try counted(2), totalCount: try counted(0))
        }
    }
}
