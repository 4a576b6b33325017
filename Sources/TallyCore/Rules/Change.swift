/// One signed integer delta applied to one balance.
public struct Change: Sendable, Equatable {
    /// The member whose balance changes.
    public var memberID: MemberID
    /// The signed delta.
    public var amount: Int64
    /// The currency; nil means the realm's default currency.
    public var currencyID: CurrencyID?

    /// A change of `amount` to `memberID`'s balance in `currencyID` (or the default currency).
    public init(memberID: MemberID, amount: Int64, currencyID: CurrencyID? = nil) {
        self.memberID = memberID
        self.amount = amount
        self.currencyID = currencyID
    }
}
