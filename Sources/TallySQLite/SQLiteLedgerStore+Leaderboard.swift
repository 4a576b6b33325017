import GRDB
import TallyCore

extension SQLiteLedgerStore {
    public func leaderboard(
        in realmID: RealmID, currency currencyID: CurrencyID?, after cursor: LeaderboardCursor?, take: Int
    ) async throws -> LeaderboardPage {
        try await readSettled("leaderboard") { db in
            try Self.requireRealm(db, realmID)
            let currency =
                if let currencyID {
                    try Self.fetchCurrency(db, currencyID, in: realmID)
                } else {
                    try db.row(Self.statements.defaultCurrency(in: realmID)).map(Currency.init(stored:))
                }
            guard let currency else { throw TallyError.leaderboardCurrencyNotFound(currencyID, in: realmID) }
            let page = Self.statements.leaderboard(in: realmID, currency: currency.id, after: cursor, take: take)
            let ranking = LeaderboardRanking(
                rows: try db.rows(page).map(LeaderboardRanking.Row.init(stored:)), take: take)
            // The kept total, and the balances at or above the anchor (as many as its rank).
            let counts = try db.row(
                Self.statements.leaderboardCounts(in: realmID, currency: currency.id, around: ranking.anchorBalance))
            return ranking.page(
                greater: Int(counts?.integer("greater") ?? 0),
                greaterOrEqual: Int(counts?.integer("greater_or_equal") ?? 0),
                totalCount: Int(counts?.integer("total") ?? 0))
        }
    }
}
