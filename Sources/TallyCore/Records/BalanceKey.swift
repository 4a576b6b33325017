/// Identifies one balance within a realm: a member's holding of one currency.
public struct BalanceKey: Hashable, Sendable, Comparable {
    /// The currency.
    public let currencyID: CurrencyID
    /// The member.
    public let memberID: MemberID

    /// The balance of `memberID` in `currencyID`.
    public init(currencyID: CurrencyID, memberID: MemberID) {
        self.currencyID = currencyID
        self.memberID = memberID
    }

    /// The fixed lock order used by stores that lock rows: currency, then member.
    public static func < (lhs: BalanceKey, rhs: BalanceKey) -> Bool {
        (lhs.currencyID, lhs.memberID) < (rhs.currencyID, rhs.memberID)
    }
}
