/// One applied change as the journal records it. Never updated, never deleted.
public struct JournalEntry: Sendable, Equatable {
    /// The entry's id.
    public let id: JournalEntryID
    /// Its position in the global commit order (a store-assigned, increasing number).
    public let sequence: Int64
    /// The realm.
    public let realmID: RealmID
    /// The member whose balance changed.
    public let memberID: MemberID
    /// The currency.
    public let currencyID: CurrencyID
    /// The signed delta.
    public let amount: Int64
    /// The balance just before.
    public let balanceBefore: Int64
    /// The balance just after.
    public let balanceAfter: Int64
    /// The batch it belongs to.
    public let batchID: BatchID
    /// Who asked for it, if the request said.
    public let initiatorID: String?
    /// What kind of request produced it.
    public let kind: EntryKind
    /// Milliseconds since 1970 when it was committed.
    public let createdAtMilliseconds: Int64

    /// An entry as stored.
    public init(
        id: JournalEntryID, sequence: Int64, realmID: RealmID, memberID: MemberID, currencyID: CurrencyID,
        amount: Int64,
        balanceBefore: Int64, balanceAfter: Int64, batchID: BatchID, initiatorID: String?, kind: EntryKind,
        createdAtMilliseconds: Int64
    ) {
        self.id = id
        self.sequence = sequence
        self.realmID = realmID
        self.memberID = memberID
        self.currencyID = currencyID
        self.amount = amount
        self.balanceBefore = balanceBefore
        self.balanceAfter = balanceAfter
        self.batchID = batchID
        self.initiatorID = initiatorID
        self.kind = kind
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}
