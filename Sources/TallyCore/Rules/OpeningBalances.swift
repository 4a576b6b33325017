/// Balances brought in from elsewhere, without the history that led to them: the balances of an
/// export without a journal (`tally import`) and the balance columns of a member import
/// (`tally member import`). Each must lie within its currency's floor and ceiling, and each that
/// is not 0 enters the journal as one entry of kind `import`, from 0 to the balance, so that
/// `tally verify` finds its chain whole. The opening entries of one import (of one realm) share
/// a batch.
public struct OpeningBalances: Sendable {
    private let realm: RealmID
    private let ids: IDGenerator
    private let now: Int64
    private let initiatorID: String?
    /// The batch of the entries, made with the first one.
    public private(set) var batchID: BatchID?

    /// Opening entries for `realm`: ids from `ids`, the time `now`, and `initiatorID` as who
    /// asked for them.
    public init(realm: RealmID, ids: IDGenerator, now: Int64, initiatorID: String?) {
        self.realm = realm
        self.ids = ids
        self.now = now
        self.initiatorID = initiatorID
    }

    /// Throws `VALIDATION_ERROR` unless `balance` lies within `minimum` and `maximum` (nil: no
    /// ceiling). The sentence begins with `subject` (such as "the balance of member …") and
    /// names the currency as `currency`.
    public static func check(
        _ balance: Int64, minimum: Int64, maximum: Int64?, subject: String, currency: String
    ) throws(TallyError) {
        guard balance >= minimum, maximum.map({ balance <= $0 }) ?? true else {
            let range = "\(minimum) to \(maximum.map(String.init) ?? "unlimited")"
            throw .validation("\(subject) is \(balance), outside currency \(currency)'s range \(range).")
        }
    }

    /// The opening entry of `member`'s `balance` (not 0) in `currency`: from 0 to the balance,
    /// of kind `import`, in the import's batch.
    public mutating func entry(_ balance: Int64, member: MemberID, currency: CurrencyID) -> JournalEntry {
        precondition(balance != 0, "a balance of 0 has no opening entry")
        let batch = batchID ?? ids.make(BatchKind.self)
        batchID = batch
        return JournalEntry(
            id: ids.make(), sequence: 0, realmID: realm, memberID: member, currencyID: currency, amount: balance,
            balanceBefore: 0, balanceAfter: balance, batchID: batch, initiatorID: initiatorID, kind: .imported,
            createdAtMilliseconds: now)
    }
}
