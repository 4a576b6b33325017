/// The pure rules that turn a batch and what a store read for it into a plan, or into the first
/// rejection. Every store runs the same steps, so both backends agree:
///
/// 1. the store reads the batch's `References` (its members and currencies);
/// 2. `resolve` checks every change's references and fills in the default currency, once;
/// 3. the store reads (and, where it locks, locks) the `Resolved.balanceKeys`;
/// 4. `plan` computes every entry from those balances;
/// 5. `BatchPlan.receipt` names the entries, and the store writes the plan and the receipt.
///
/// Precedence (one test per boundary): field checks happen when the `Batch` is built; then
/// references (member, then currency, then for transfers its `transferable` flag) for every
/// change in order; then, walking the changes in
/// order, overflow, then the currency's floor and ceiling. An unknown member is answered as
/// `MemberNaming(batch.kind)` says: 404 for a single update's or a transfer's, 400 in a batch.
public enum BatchPlanner {
    /// What a store read for the batch before resolving it, inside its transaction.
    public struct References: Sendable {
        /// The members of the batch's realm that exist (among those the batch names), balance
        /// holders of ghost credentials included.
        public var existingMembers: Set<MemberID>
        /// Which of `existingMembers` are the balance holders of ghost credentials.
        public var ghosts: Set<MemberID> = []
        /// The realm's currencies the batch names, plus its default currency if it has one.
        public var currencies: [CurrencyID: Currency]
        /// The realm's default currency, if any.
        public var defaultCurrencyID: CurrencyID?

        /// References as read.
        public init(
            existingMembers: Set<MemberID> = [], currencies: [CurrencyID: Currency] = [:],
            defaultCurrencyID: CurrencyID? = nil
        ) {
            self.existingMembers = existingMembers
            self.currencies = currencies
            self.defaultCurrencyID = defaultCurrencyID
        }

        /// Adds a currency the store found; `asDefault` when it is the realm's default and the
        /// batch has a change that names no currency.
        public mutating func include(_ currency: Currency, asDefault: Bool) {
            currencies[currency.id] = currency
            if asDefault { defaultCurrencyID = currency.id }
        }
    }

    /// A batch whose every change names an existing member and a usable currency.
    public struct Resolved: Sendable {
        /// The batch.
        public let batch: Batch
        /// One balance per change, in request order, the default currency filled in.
        public let keys: [BalanceKey]
        /// The distinct balances the batch touches, in `BalanceKey` order: what a store reads
        /// next, and the one order in which stores that lock rows lock them.
        public let balanceKeys: [BalanceKey]
        /// The currencies the keys name.
        let currencies: [CurrencyID: Currency]
    }

    /// Resolves each change's currency (filling in the default), rejecting the first change whose
    /// member or currency does not resolve.
    public static func resolve(_ batch: Batch, references: References) throws(TallyError) -> Resolved {
        var keys = [BalanceKey]()
        keys.reserveCapacity(batch.changes.count)
        for (index, change) in batch.changes.enumerated() {
            guard references.existingMembers.contains(change.memberID),
                batch.reachesGhosts || !references.ghosts.contains(change.memberID)
            else {
                throw unknownMember(
                    index: index, named: .dripID(change.memberID), amount: change.amount,
                    currencyID: change.currencyID, realm: batch.realmID, kind: batch.kind)
            }
            let currencyID: CurrencyID
            if let explicit = change.currencyID {
                currencyID = explicit
            } else if let fallback = references.defaultCurrencyID {
                currencyID = fallback
            } else {
                throw TallyError(
                    .currencyNotFound,
                    "Change \(index) (dripId \(change.memberID)): no currencyId was given and realm \(batch.realmID) has no default currency.",
                    details: details(index, change, currencyID: nil))
            }
            guard let currency = references.currencies[currencyID] else {
                throw TallyError(
                    .currencyNotFound,
                    "Change \(index) (dripId \(change.memberID)): currency \(currencyID) does not exist in realm \(batch.realmID).",
                    details: details(index, change, currencyID: currencyID))
            }
            // A link moves points that already exist, so an archived currency does not stop it.
            guard !currency.isArchived || batch.kind == .link else {
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
        // Sorting then dropping neighbours: one array, no hashing.
        var distinct = keys
        distinct.sort()
        var kept = 0
        for index in distinct.indices where kept == 0 || distinct[kept - 1] != distinct[index] {
            distinct[kept] = distinct[index]
            kept += 1
        }
        distinct.removeLast(distinct.count - kept)
        return Resolved(batch: batch, keys: keys, balanceKeys: distinct, currencies: references.currencies)
    }

    /// Plans the whole batch from the balances of `resolved.balanceKeys` (a missing key is 0):
    /// each change sees the ones before it. Throws the first failure.
    public static func plan(_ resolved: Resolved, balances: [BalanceKey: Int64]) throws(TallyError) -> BatchPlan {
        let batch = resolved.batch
        var running = balances
        var entries = [PlannedEntry]()
        entries.reserveCapacity(resolved.keys.count)
        for (index, (change, key)) in zip(batch.changes, resolved.keys).enumerated() {
            // Safe: resolve() proved every key's currency is among the references.
            let currency = resolved.currencies[key.currencyID]!
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
        // Safe: every key of the batch was set by its last change above.
        let finals = resolved.balanceKeys.map { FinalBalance(key: $0, balance: running[$0]!) }
        return BatchPlan(batch: batch, entries: entries, finalBalances: finals)
    }

    /// `MEMBER_NOT_FOUND` for the change at `index` of a batch of `kind`, whose member the request
    /// named by `reference`: details `index`, `dripId` (or `discordId`), `amount`, `currencyId`
    /// when given, and for a transfer the `party`; answered as `MemberNaming(kind)` says.
    static func unknownMember(
        index: Int, named reference: MemberReference, amount: Int64, currencyID: CurrencyID?, realm: RealmID,
        kind: EntryKind
    ) -> TallyError {
        var facts: [String: TallyError.DetailValue] = [
            "index": .integer(Int64(index)), reference.detailKey: .text(reference.description),
            "amount": .integer(amount),
        ]
        if let currencyID { facts["currencyId"] = .text(currencyID.rawValue) }
        var who = "\(reference.detailKey) \(reference)"
        if kind == .transfer {
            let party = Transfer.party(ofChange: index)
            facts["party"] = .text(party)
            who = "the \(party), \(who)"
        }
        return .memberNotFound(
            "Change \(index) (\(who)): the member does not exist in realm \(realm).", details: facts,
            naming: MemberNaming(kind))
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
