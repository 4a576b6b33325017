/// What a store returns once a batch is durably committed.
public struct BatchReceipt: Sendable, Equatable {
    /// The id every journal entry of the batch carries.
    public let batchID: BatchID
    /// One applied change per requested change, in request order.
    public let changes: [AppliedChange]

    /// A receipt.
    public init(batchID: BatchID, changes: [AppliedChange]) {
        self.batchID = batchID
        self.changes = changes
    }
}

/// One change as applied, with its journal entry id.
public struct AppliedChange: Sendable, Equatable {
    /// The journal entry written for it.
    public let entryID: JournalEntryID
    /// The member.
    public let memberID: MemberID
    /// The resolved currency.
    public let currencyID: CurrencyID
    /// The signed delta.
    public let amount: Int64
    /// The balance just before the change.
    public let balanceBefore: Int64
    /// The balance just after it.
    public let balanceAfter: Int64

    /// An applied change.
    public init(
        entryID: JournalEntryID, memberID: MemberID, currencyID: CurrencyID, amount: Int64, balanceBefore: Int64,
        balanceAfter: Int64
    ) {
        self.entryID = entryID
        self.memberID = memberID
        self.currencyID = currencyID
        self.amount = amount
        self.balanceBefore = balanceBefore
        self.balanceAfter = balanceAfter
    }
}
