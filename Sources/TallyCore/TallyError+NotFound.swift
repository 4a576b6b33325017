/// Sentences for things that do not exist, worded once for every store.
extension TallyError {
    /// `CURRENCY_NOT_FOUND` for a leaderboard: the currency asked for does not exist, or, when
    /// none was asked for, the realm has no default.
    public static func leaderboardCurrencyNotFound(_ id: CurrencyID?, in realm: RealmID) -> TallyError {
        TallyError(
            .currencyNotFound,
            id.map { "Currency \($0) does not exist in realm \(realm)." }
                ?? "Realm \(realm) has no default currency; pass currencyId.")
    }
}
