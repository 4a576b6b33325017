/// The pure rules that turn a batch and a snapshot of the state it touches into a plan, or into
/// the first rejection. Every store uses this one implementation, so both backends agree.
///
/// Precedence (one test per boundary): field checks happen when the `Batch` is built; then
/// references (member, then currency, then for transfers its `transferable` flag) for every
/// change in order; then, walking the changes in
/// order, overflow, then the currency's floor and ceiling.
public enum BatchPlanner {
    /// What a store read for the batch, inside its transaction.
    public struct Snapshot: Sendable {
        /// The members of the batch's realm that exist (among those the batch names).
        public var existingMembers: Set<MemberID>
        /// The realm's currencies the batch names, plus its default currency if it has one.
        public var currencies: [CurrencyID: Currency]
        /// The realm's default currency, if any.
        public var defaultCurrencyID: CurrencyID?
        /// Current balances for the keys the batch touches; a missing key means 0.
        public var balances: [BalanceKey: Int64]

        /// A snapshot.
        public init(
            existingMembers: Set<MemberID>, currencies: [CurrencyID: Currency], defaultCurrencyID: CurrencyID?,
            balances: [BalanceKey: Int64]
        ) {
            self.existingMembers = existingMembers
            self.currencies = currencies
            self.defaultCurrencyID = defaultCurrencyID
            self.balances = balances
        }
    }

    /// Resolves each change's currency (filling in the default), rejecting the first change whose
    /// member or currency does not resolve. Stores call this before reading balances.
    public static func resolve(_ batch: Batch, snapshot: Snapshot) throws(TallyError) -> [BalanceKey] {
        var keys = [BalanceKey]()
        keys.reserveCapacity(batch.changes.count)
        for (index, change) in batch.changes.enumerated() {
            guard snapshot.existingMembers.contains(change.memberID) else {
                throw TallyError(
                    .memberNotFound,
                    "Change \(index) (dripId \(change.memberID)): the member does not exist in realm \(batch.realmID).",
                    details: details(index, change, currencyID: change.currencyID))
            }
            let currencyID: CurrencyID
            if let explicit = change.currencyID {
                currencyID = explicit
            } else if let fallback = snapshot.defaultCurrencyID {
                currencyID = fallback
            } else {
                throw TallyError(
                    .currencyNotFound,
                    "Change \(index) (dripId \(change.memberID)): no currencyId was given and realm \(batch.realmID) has no default currency.",
                    details: details(index, change, currencyID: nil))
            }
            guard let currency = snapshot.currencies[currencyID] else {
                throw TallyError(
                    .currencyNotFound,
                    "Change \(index) (dripId \(change.memberID)): currency \(currencyID) does not exist in realm \(batch.realmID).",
                    details: details(index, change, currencyID: currencyID))
            }
            guard !currency.isArchived else {
                throw TallyError(
                    .currencyNotFound,
                    "Change \(index) (dripId \(change.memberID)): currency \(currencyID) is archived and accepts no changes.",
                    details: details(index, change, currencyID: currencyID))
            }
            guard batch.kind != .transfer || currency.isTransferable else {
                throw TallyError(
                    .currencyNotTransferable,
                    "Currency \(currencyID) is not transferable between members.",
                    details: details(index, change, currencyID: currencyID))
            }
            keys.append(BalanceKey(currencyID: currencyID, memberID: change.memberID))
        }
        return keys
    }

    /// Plans the whole batch: each change sees the ones before it. Throws the first failure.
    public static func plan(_ batch: Batch, snapshot: Snapshot) throws(TallyError) -> BatchPlan {
        let keys = try resolve(batch, snapshot: snapshot)
        var running = snapshot.balances
        var entries = [PlannedEntry]()
        entries.reserveCapacity(keys.count)
        for (index, (change, key)) in zip(batch.changes, keys).enumerated() {
            // Safe: resolve() proved every key's currency is in the snapshot.
            let currency = snapshot.currencies[key.currencyID]!
            let before = running[key] ?? 0
            let (after, overflow) = before.addingReportingOverflow(change.amount)
            var facts = details(index, change, currencyID: key.currencyID)
            facts["balance"] = .integer(before)
            guard !overflow else {
                throw TallyError(
                    .amountOverflow,
                    "Change \(index) (dripId \(change.memberID)): adding \(change.amount) to \(before) overflows a 64-bit balance.",
                    details: facts)
            }
            if after < currency.minimumBalance {
                facts["minimumBalance"] = .integer(currency.minimumBalance)
                throw TallyError(
                    .insufficientBalance,
                    "Change \(index) (dripId \(change.memberID)): balance \(before) plus \(change.amount) would go below the minimum of \(currency.minimumBalance).",
                    details: facts)
            }
            if let ceiling = currency.maximumBalance, after > ceiling {
                facts["maximumBalance"] = .integer(ceiling)
                throw TallyError(
                    .balanceLimitExceeded,
                    "Change \(index) (dripId \(change.memberID)): balance \(before) plus \(change.amount) would exceed the maximum of \(ceiling).",
                    details: facts)
            }
            running[key] = after
            entries.append(
                PlannedEntry(
                    memberID: change.memberID, currencyID: key.currencyID, amount: change.amount,
                    balanceBefore: before, balanceAfter: after))
        }
        var finals = [BalanceKey: Int64](minimumCapacity: keys.count)
        for key in keys { finals[key] = running[key] }
        return BatchPlan(entries: entries, finalBalances: finals)
    }

    private static func details(_ index: Int, _ change: Change, currencyID: CurrencyID?) -> [String: TallyError
        .DetailValue]
    {
        var facts: [String: TallyError.DetailValue] = [
            "index": .integer(Int64(index)),
            "dripId": .text(change.memberID.rawValue),
            "amount": .integer(change.amount),
        ]
        if let currencyID { facts["currencyId"] = .text(currencyID.rawValue) }
        return facts
    }
}
