/// A transfer between two members of a realm, as the batch of two changes it is applied as:
/// `-amount` from the sender, then `+amount` to the recipient.
public enum Transfer {
    /// Validates a transfer (amount at least 1, two different members) and builds its batch.
    /// The planner then adds the currency's `transferable` check and the sender's floor.
    public static func batch(
        realm: RealmID, sender: MemberID, recipient: MemberID, amount: Int64, currency: CurrencyID?,
        initiatorID: String?, limits: Limits = .standard
    ) throws(TallyError) -> Batch {
        try checkAmount(amount)
        guard sender != recipient else {
            throw .validation("A member cannot transfer to itself; recipientId must differ from the sender.")
        }
        return try Batch(
            realmID: realm,
            changes: [
                Change(memberID: sender, amount: -amount, currencyID: currency),
                Change(memberID: recipient, amount: amount, currencyID: currency),
            ],
            initiatorID: initiatorID, kind: .transfer, limits: limits)
    }

    /// Refuses an amount below 1: a field check, made before any member is looked up.
    public static func checkAmount(_ amount: Int64) throws(TallyError) {
        guard amount >= 1 else { throw .validation("amount must be at least 1.") }
    }

    /// Which party of a transfer the change at `index` of its batch is: `sender`, then
    /// `recipient` (the `party` of a failure's details).
    public static func party(ofChange index: Int) -> String {
        precondition(index == 0 || index == 1, "a transfer is two changes")
        return index == 0 ? "sender" : "recipient"
    }
}
