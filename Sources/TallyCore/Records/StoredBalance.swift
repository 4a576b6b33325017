/// One balance as stored: what a member (or a ghost credential's balance holder) holds of one
/// currency. Exports carry it; imports write it back.
public struct StoredBalance: Sendable, Equatable {
    /// The realm.
    public let realmID: RealmID
    /// The member, or a ghost credential's balance holder.
    public let memberID: MemberID
    /// The currency.
    public let currencyID: CurrencyID
    /// The amount held.
    public let balance: Int64
    /// Milliseconds since 1970 when it last changed.
    public let updatedAtMilliseconds: Int64

    /// A balance as stored.
    public init(
        realmID: RealmID, memberID: MemberID, currencyID: CurrencyID, balance: Int64, updatedAtMilliseconds: Int64
    ) {
        self.realmID = realmID
        self.memberID = memberID
        self.currencyID = currencyID
        self.balance = balance
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }
}
