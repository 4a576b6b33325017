/// A change to an existing currency, decided from its stored row: the rules of a currency update
/// and of archiving live here once, and a store only reads the row, counts balances when asked,
/// and writes what `decide` returns.
public enum CurrencyEdit: Sendable, Equatable {
    /// Changes the fields the patch sets.
    case patch(CurrencyPatch)
    /// Archives (true) or unarchives (false) the currency.
    case archive(Bool)

    /// What to write to turn `current` into the edited currency at `now`, or nil when nothing
    /// changes (archiving twice is not an error). Throws `VALIDATION_ERROR` for a patch whose
    /// result is invalid.
    public func decide(_ current: Currency, now: Int64) throws(TallyError) -> CurrencyChange? {
        switch self {
        case .patch(let patch):
            let draft = try patch.applied(to: current, limits: .standard)
            return CurrencyChange(
                currency: Currency(
                    id: current.id, realmID: current.realmID, name: draft.name, emoji: draft.emoji,
                    customEmojiURL: draft.customEmojiURL, metadata: draft.metadata, isDefault: draft.isDefault,
                    archivedAtMilliseconds: current.archivedAtMilliseconds, minimumBalance: draft.minimumBalance,
                    maximumBalance: draft.maximumBalance, isTransferable: draft.isTransferable,
                    createdAtMilliseconds: current.createdAtMilliseconds, updatedAtMilliseconds: now),
                takesDefault: draft.isDefault && !current.isDefault, checksBalances: true)
        case .archive(let archived):
            guard archived != current.isArchived else { return nil }
            // An archived currency accepts no changes, so it cannot stay the default.
            return CurrencyChange(
                currency: Currency(
                    id: current.id, realmID: current.realmID, name: current.name, emoji: current.emoji,
                    customEmojiURL: current.customEmojiURL, metadata: current.metadata,
                    isDefault: archived ? false : current.isDefault, archivedAtMilliseconds: archived ? now : nil,
                    minimumBalance: current.minimumBalance, maximumBalance: current.maximumBalance,
                    isTransferable: current.isTransferable, createdAtMilliseconds: current.createdAtMilliseconds,
                    updatedAtMilliseconds: now),
                takesDefault: false, checksBalances: false)
        }
    }
}

/// A currency edit decided: the row to store, and what the store must do around writing it.
public struct CurrencyChange: Sendable, Equatable {
    /// The currency as it is to be stored (and answered).
    public let currency: Currency
    /// It becomes the default: the realm's current default gives up the flag first.
    public let takesDefault: Bool
    /// Its limits may have moved: the store counts the balances outside `currency`'s minimum and
    /// maximum and passes the count to `checkBalancesOutsideLimits` before writing.
    public let checksBalances: Bool

    /// Throws `VALIDATION_ERROR` when `count` existing balances would fall outside the new
    /// limits, so an edit never strands a balance.
    public func checkBalancesOutsideLimits(_ count: Int) throws(TallyError) {
        guard count == 0 else { throw .balancesOutsideLimits(count) }
    }
}
