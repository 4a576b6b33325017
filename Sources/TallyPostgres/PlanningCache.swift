import Synchronization
import TallyCore

/// What this server last saw of the rows a batch is planned from: members (that exist, with
/// their ghost flag), currencies, and balances (a known-absent balance is `nil`). A batch planned
/// from it is written by `tally_apply_batch`, which checks every one of these facts under lock
/// and writes nothing if any has changed (docs/decisions/0010-postgres-one-round-trip.md); so
/// the cache may be stale (another server wrote since), and it is only ever a guess that saves
/// a read. Nothing negative about members or currencies is kept: a batch that names one this
/// server has not seen reads it.
///
/// Bounded: each of its three maps is emptied when it outgrows `capacity` entries.
final class PlanningCache: Sendable {
    struct MemberSlot: Hashable {
        let realm: RealmID
        let member: MemberID
    }

    struct BalanceSlot: Hashable {
        let realm: RealmID
        let key: BalanceKey
    }

    /// A realm's currencies as last read, and its default currency when that was read.
    struct RealmCurrencies {
        var byID: [CurrencyID: Currency] = [:]
        /// Whether `defaultID` was read (nil then means the realm had none).
        var defaultKnown = false
        var defaultID: CurrencyID?
    }

    private struct State {
        var members: [MemberSlot: Bool] = [:]
        var currencies: [RealmID: RealmCurrencies] = [:]
        var balances: [BalanceSlot: Int64?] = [:]
    }

    /// Most entries each map holds.
    let capacity: Int
    private let state = Mutex(State())

    /// The default holds 200,000 balances and as many members (a few tens of MiB).
    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func currencies(in realm: RealmID) -> RealmCurrencies {
        state.withLock { $0.currencies[realm] } ?? RealmCurrencies()
    }

    /// The members known to exist (with their ghost flag) and the balances known (present or
    /// absent) among those asked for.
    func lookup(realm: RealmID, members: [MemberID], keys: [BalanceKey]) -> (
        members: [MemberID: Bool], balances: [BalanceKey: Int64?]
    ) {
        state.withLock { state in
            var foundMembers = [MemberID: Bool](minimumCapacity: members.count)
            for member in members {
                if let ghost = state.members[MemberSlot(realm: realm, member: member)] { foundMembers[member] = ghost }
            }
            var foundBalances = [BalanceKey: Int64?](minimumCapacity: keys.count)
            for key in keys {
                if let balance = state.balances[BalanceSlot(realm: realm, key: key)] { foundBalances[key] = balance }
            }
            return (foundMembers, foundBalances)
        }
    }

    /// Remembers currencies read from the database (`defaultKnown`: the read asked for the default).
    func remember(currencies read: [Currency], in realm: RealmID, defaultKnown: Bool) {
        state.withLock { state in
            var known = state.currencies[realm] ?? RealmCurrencies()
            for currency in read {
                known.byID[currency.id] = currency
                if currency.isDefault { known.defaultID = currency.id }
            }
            if defaultKnown {
                known.defaultKnown = true
                if !read.contains(where: \.isDefault) { known.defaultID = nil }
            }
            if state.currencies.count >= capacity { state.currencies = [:] }
            state.currencies[realm] = known
        }
    }

    /// Remembers members that exist (with their ghost flag) and balances (nil: absent).
    func remember(members: [MemberID: Bool], balances: [BalanceKey: Int64?], in realm: RealmID) {
        state.withLock { state in
            if state.members.count + members.count > capacity { state.members = [:] }
            for (member, ghost) in members { state.members[MemberSlot(realm: realm, member: member)] = ghost }
            if state.balances.count + balances.count > capacity { state.balances = [:] }
            for (key, balance) in balances { state.balances[BalanceSlot(realm: realm, key: key)] = .some(balance) }
        }
    }

    /// Remembers the balances a committed receipt leaves.
    func remember(_ receipt: BatchReceipt, in realm: RealmID) {
        var finals = [BalanceKey: Int64?](minimumCapacity: receipt.changes.count)
        for change in receipt.changes {
            finals[BalanceKey(currencyID: change.currencyID, memberID: change.memberID)] = change.balanceAfter
        }
        remember(members: [:], balances: finals, in: realm)
    }

    /// Forgets what a stale plan relied on, and the realm's currencies.
    func forget(realm: RealmID, members: [MemberID], keys: [BalanceKey]) {
        state.withLock { state in
            for member in members { state.members[MemberSlot(realm: realm, member: member)] = nil }
            for key in keys { state.balances[BalanceSlot(realm: realm, key: key)] = nil }
            state.currencies[realm] = nil
        }
    }

    /// Forgets everything (a currency edit, a load, a credential write: rare writes that change
    /// what batches are planned from).
    func forgetAll() {
        state.withLock { $0 = State() }
    }
}
