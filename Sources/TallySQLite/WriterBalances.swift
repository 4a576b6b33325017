import GRDB
import TallyCore

/// The balances the writer plans with (docs/decisions/0009): every balance a batch changed that
/// the balance file may not cover yet, and balances read from the file on first touch. Only the
/// writer's queue touches it.
///
/// A request's new balances are kept aside (`pending`) until its savepoint holds, then become the
/// balances of the group (`keepPending`); once the group commits, `committed(through:)` stamps
/// them with the group's last journal sequence number, and a balance the file covers can be
/// forgotten (`trim`). If a group's commit fails, `invalidate()` forgets everything, and the
/// writer waits for the file to cover the journal before it plans again.
final class WriterBalances: @unchecked Sendable {
    private var values: [Key: Value] = [:]
    private var pending: [(Key, Int64)] = []
    /// Balances changed by the group being applied (stamped when it commits).
    private var group: [Key] = []
    /// Most balances remembered; past it, the ones the file covers are forgotten between groups.
    let capacity: Int

    init(capacity: Int = 100_000) { self.capacity = capacity }

    /// A balance not yet committed has this sequence number until its group commits.
    private static let uncommitted = Int64.max

    /// The balance of `key`, reading (and remembering) the balance file's when it is not
    /// remembered; nil when there is none.
    func balance(_ key: BalanceKey, in realmID: RealmID, _ db: Database) throws -> Int64? {
        let full = Key(realm: realmID, key: key)
        if let known = values[full] { return known.balance }
        let read = try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT balance FROM ledger.balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?"),
            arguments: [realmID.rawValue, key.currencyID.rawValue, key.memberID.rawValue])
        // Read, not changed: the file covers it already.
        values[full] = Value(balance: read ?? 0, seq: 0)
        return read
    }

    /// A request's new balance, kept aside until its savepoint holds.
    func set(_ key: BalanceKey, in realmID: RealmID, to balance: Int64) {
        pending.append((Key(realm: realmID, key: key), balance))
    }

    /// The request's savepoint held: its balances are the group's now.
    func keepPending() {
        for (key, balance) in pending {
            values[key] = Value(balance: balance, seq: Self.uncommitted)
            group.append(key)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The request rolled back: its balances never were.
    func dropPending() { pending.removeAll(keepingCapacity: true) }

    /// The group committed with `last` as its highest journal sequence number.
    func committed(through last: Int64) {
        for key in group where values[key]?.seq == Self.uncommitted { values[key]?.seq = last }
        group.removeAll(keepingCapacity: true)
    }

    /// Forgets the balances the balance file covers, once more than `capacity` are remembered.
    func trim(covered: Int64) {
        guard values.count > capacity else { return }
        values = values.filter { $0.value.seq > covered }
    }

    /// Something the writer did not plan may have changed balances (a failed commit, a load,
    /// another process): forget everything.
    func invalidate() {
        values.removeAll()
        pending.removeAll()
        group.removeAll()
    }

    struct Key: Hashable {
        let realm: RealmID
        let key: BalanceKey
    }

    struct Value {
        var balance: Int64
        /// The journal sequence number at or below which the balance file holds this balance.
        var seq: Int64
    }
}

extension PreparedWrite {
    /// True for the writes whose SQL reads balances itself rather than planning against the
    /// writer's balances (a currency's new limits, ghost credentials): each runs in a group of
    /// its own once the balance file covers the journal.
    var readsBalancesBySQL: Bool {
        switch self {
        case .credential, .editCurrency: true
        default: false
        }
    }
}
