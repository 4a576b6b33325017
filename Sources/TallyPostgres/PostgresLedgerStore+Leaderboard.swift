import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    public func leaderboard(
        in realmID: RealmID, currency currencyID: CurrencyID?, after cursor: LeaderboardCursor?, take: Int
    ) async throws -> LeaderboardPage {
        try await transaction("leaderboard", .reading) { connection in
            try await requireRealm(connection, realmID)
            let currency =
                if let currencyID {
                    try await fetchCurrency(connection, currencyID, in: realmID)
                } else {
                    try await row(connection, Self.statements.defaultCurrency(in: realmID)).map(Currency.init(stored:))
                }
            guard let currency else { throw TallyError.leaderboardCurrencyNotFound(currencyID, in: realmID) }
            let page = Self.statements.leaderboard(in: realmID, currency: currency.id, after: cursor, take: take)
            let ranking = LeaderboardRanking(
                rows: try await rows(connection, page).map(LeaderboardRanking.Row.init(stored:)), take: take)
            // The kept total, and the balances at or above the anchor (as many as its rank).
            let counts = try await row(
                connection,
                Self.statements.leaderboardCounts(in: realmID, currency: currency.id, around: ranking.anchorBalance))
            return ranking.page(
                greater: Int(try counts?.integer("greater") ?? 0),
                greaterOrEqual: Int(try counts?.integer("greater_or_equal") ?? 0),
                totalCount: Int(try counts?.integer("total") ?? 0))
        }
    }
}
