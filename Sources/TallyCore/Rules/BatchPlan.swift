/// The outcome of planning a batch against what a store read: what to journal and what each
/// touched balance ends at. A store writes exactly this, inside the transaction it read from.
public struct BatchPlan: Sendable, Equatable {
    /// The batch planned.
    public let batch: Batch
    /// One entry per change, in request order.
    public let entries: [PlannedEntry]
    /// The balance each touched key ends at (the last entry's `balanceAfter` for that key), one
    /// per key in `BalanceKey` order, so stores that lock rows write them in their lock order.
    public let finalBalances: [FinalBalance]

    /// The receipt once the plan is written: entry `i` is change `i` of the batch and is
    /// journaled as `entryIDs[i]`. Counts that disagree are a programmer error, never a
    /// silently shorter receipt.
    public func receipt(batchID: BatchID, entryIDs: [JournalEntryID]) -> BatchReceipt {
        precondition(entries.count == batch.changes.count, "a plan holds one entry per change")
        precondition(entryIDs.count == entries.count, "a batch is given one entry id per change")
        var changes = [AppliedChange]()
        changes.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            changes.append(
                AppliedChange(
                    entryID: entryIDs[index], memberID: entry.memberID, currencyID: entry.currencyID,
                    amount: entry.amount, balanceBefore: entry.balanceBefore, balanceAfter: entry.balanceAfter))
        }
        return BatchReceipt(batchID: batchID, changes: changes)
    }
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

/// Where one touched balance ends once the batch is applied.
public struct FinalBalance: Sendable, Equatable {
    /// The balance.
    public let key: BalanceKey
    /// Its value after the batch's last change to it.
    public let balance: Int64
}
