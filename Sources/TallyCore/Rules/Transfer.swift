/// A transfer between two members of a realm, as the batch of two changes it is applied as:
/// `-amount` from the sender, then `+amount` to the recipient.
public enum Transfer {
    /// Validates a transfer (amount at least 1, two different members) and builds its batch.
    /// The planner then adds the currency's `transferable` check and the sender's floor.
    public static func batch(
        realm: RealmID, sender: MemberID, recipient: MemberID, amount: Int64, currency: CurrencyID?,
        initiatorID: String?, limits: Limits = .standard
    ) throws(TallyError) -> Batch {
        guard amount >= 1 else { throw .validation("amount must be at least 1.") }
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
}
