/// The sentences for things that do not exist, worded once for every store and route.
///
/// The contract (see `LedgerStore`): a read of one thing a route names returns it or throws one
/// of these, the realm's error first when the realm is missing too, so no caller has to look
/// again to word the error. `realmNotFound` is beside `TallyError` itself.
extension TallyError {
    /// 404 for a member the request names (a route's member, not a change of a batch, which
    /// fails with `MEMBER_NOT_FOUND`).
    public static func unknownMember(_ id: MemberID, in realm: RealmID) -> TallyError {
        TallyError(.notFound, "Member \(id) was not found in realm \(realm).")
    }

    /// 404 for a currency the request names.
    public static func unknownCurrency(_ id: CurrencyID, in realm: RealmID) -> TallyError {
        unknownCurrency(named: id.rawValue, in: realm)
    }

    /// 404 for a currency named by text that may not even be an id (shortened to 64 characters).
    public static func unknownCurrency(named text: String, in realm: RealmID) -> TallyError {
        TallyError(.notFound, "Currency \(text.prefix(64)) was not found in realm \(realm).")
    }

    /// `CURRENCY_NOT_FOUND` for a leaderboard: the currency asked for does not exist, or, when
    /// none was asked for, the realm has no default.
    public static func leaderboardCurrencyNotFound(_ id: CurrencyID?, in realm: RealmID) -> TallyError {
        TallyError(
            .currencyNotFound,
            id.map { "Currency \($0) does not exist in realm \(realm)." }
                ?? "Realm \(realm) has no default currency; pass currencyId.")
    }
}
