/// The outcome of planning a batch against a snapshot of storage: what to journal and what each
/// touched balance ends at. A store writes exactly this, inside the transaction it read from.
public struct BatchPlan: Sendable, Equatable {
    /// One entry per change, in request order.
    public let entries: [PlannedEntry]
    /// The balance each touched key ends at (the last entry's `balanceAfter` for that key).
    public let finalBalances: [BalanceKey: Int64]
}

/// A change resolved and computed: the journal entry it will become.
public struct PlannedEntry: Sendable, Equatable {
    /// The member whose balance changes.
    public let memberID: MemberID
    /// The resolved currency (never nil: the default is filled in).
    public let currencyID: CurrencyID
    /// The signed delta.
    public let amount: Int64
    /// The balance just before this change.
    public let balanceBefore: Int64
    /// The balance just after it.
    public let balanceAfter: Int64
}
