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
                    db,
                    sql: "SELECT \(StoredSchema.currencyColumns) FROM currencies WHERE realm_id = ? AND is_default = 1",
                    arguments: [realmID.rawValue]
                ).map(Self.currency(from:))
            }
            guard let currency else { throw TallyError.leaderboardCurrencyNotFound(currencyID, in: realmID) }
            let scope: StatementArguments = [realmID.rawValue, currency.id.rawValue]
            var sql = """
                SELECT b.balance, \(StoredSchema.qualified(StoredSchema.memberColumns, "m"))
                FROM balances b JOIN members m ON m.realm_id = b.realm_id AND m.id = b.member_id
                WHERE b.realm_id = ? AND b.currency_id = ?
                """
            var arguments = scope
            if let cursor {
                sql += " AND (b.balance < ? OR (b.balance = ? AND b.member_id > ?))"
                _ = arguments.append(contentsOf: [cursor.balance, cursor.balance, cursor.memberID.rawValue])
            }
            sql += " ORDER BY b.balance DESC, b.member_id ASC LIMIT ?"
            _ = arguments.append(contentsOf: [LeaderboardRanking.rowsToFetch(take: take)])
            let ranking = LeaderboardRanking(
                rows: try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                    .init(member: Self.member(from: $0), balance: $0["balance"])
                }, take: take)
            // One pass over the currency's balances counts them all and those around the anchor.
            let anchor = ranking.anchorBalance
            let counts = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(*), coalesce(sum(balance > ?), 0), coalesce(sum(balance >= ?), 0) FROM balances
                    WHERE realm_id = ? AND currency_id = ?
                    """,
                arguments: [anchor, anchor] + scope)
            return ranking.page(greater: counts?[1] ?? 0, greaterOrEqual: counts?[2] ?? 0, totalCount: counts?[0] ?? 0)
        }
    }
}
