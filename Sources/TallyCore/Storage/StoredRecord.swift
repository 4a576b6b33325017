/// One stored record, as an export reads it.
public enum StoredRecord: Sendable, Equatable {
    case realm(Realm)
    case currency(Currency)
    /// A member (never a ghost credential's balance holder: those come as their credential).
    case member(Member)
    /// A ghost credential; its balance holder is implied (`GhostCredential.holderID`).
    case credential(GhostCredential)
    /// The balance holder of a deleted ghost credential, which still has entries and balances.
    case holder(BalanceHolder)
    case entry(JournalEntry)
    case balance(StoredBalance)
    case key(APIKey)
}
