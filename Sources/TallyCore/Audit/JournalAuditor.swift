/// The rules of `tally verify` (SPEC section 5), fed row by row by a store.
///
/// A store runs the queries and decodes the rows; the auditor decides what is broken and words
/// it. Feed it, in this order: the orphan rows (`orphan`), every journal entry in (realm,
/// member, currency, seq) order (`check`, then `finishJournal`), the balances no entry explains
/// (`unexplainedBalance`), the balances outside their currency's range (`checkRange`), and the
/// number of balances (`countBalances`); then read `report`. It holds one chain at a time, so
/// memory stays flat however long the journal is.
public struct JournalAuditor {
    /// Violations beyond this many are not listed, so a badly broken database cannot exhaust
    /// memory; the report still fails. Stores also cap their violation queries with it.
    public static let violationsListedMax = 1_000
    /// Journal entries between two progress reports.
    public static let progressInterval = 100_000

    /// What was checked and found so far.
    public private(set) var report = VerifyReport()
    private let listedMax: Int
    private let progress: (Int) -> Void
    private var chain: Chain?

    /// An auditor that lists at most `violationsListedMax` violations and passes the number of
    /// journal entries checked to `progress` every `progressInterval` entries and at the end.
    public init(violationsListedMax: Int = JournalAuditor.violationsListedMax, progress: @escaping (Int) -> Void) {
        precondition(violationsListedMax >= 1, "a report that lists nothing would read as clean")
        self.listedMax = violationsListedMax
        self.progress = progress
    }

    /// Which kind of row points at nothing; the raw value is how the message names it.
    public enum Orphan: String, Sendable, CaseIterable {
        case journalEntry = "journal entry"
        case balance
        case member
        case currency
    }

    /// One journal row as stored. Ids stay text: a damaged row must still be reportable.
    public struct Entry: Sendable, Equatable {
        /// The realm.
        public var realmID: String
        /// The member.
        public var memberID: String
        /// The currency.
        public var currencyID: String
        /// The entry's own id.
        public var entryID: String
        /// The signed change.
        public var amount: Int64
        /// The balance before the change.
        public var balanceBefore: Int64
        /// The balance after it.
        public var balanceAfter: Int64

        /// An entry.
        public init(
            realmID: String, memberID: String, currencyID: String, entryID: String, amount: Int64,
            balanceBefore: Int64, balanceAfter: Int64
        ) {
            self.realmID = realmID
            self.memberID = memberID
            self.currencyID = currencyID
            self.entryID = entryID
            self.amount = amount
            self.balanceBefore = balanceBefore
            self.balanceAfter = balanceAfter
        }
    }

    /// One balance's entries so far: (realm, member, currency) and what they add up to.
    private struct Chain {
        let realmID: String, memberID: String, currencyID: String
        let balance: Int64?
        var sum: Int64 = 0, lastAfter: Int64 = 0, sumOverflowed = false

        func holds(_ entry: Entry) -> Bool {
            entry.realmID == realmID && entry.memberID == memberID && entry.currencyID == currencyID
        }
    }

    /// A row of kind `what` whose realm, member or currency does not exist.
    public mutating func orphan(
        _ what: Orphan, realmID: String?, memberID: String?, currencyID: String?, entryID: String? = nil
    ) {
        record(
            .orphanRow, realmID, memberID, currencyID,
            "A \(what.rawValue)\(entryID.map { " (\($0))" } ?? "") refers to a realm, member or currency that does not exist."
        )
    }

    /// Checks the next journal entry against the one before it in its chain. `chainBalance`
    /// reads the balance row of the entry's (realm, member, currency), nil when absent; it is
    /// called once per chain, on the chain's first entry.
    public mutating func check(_ entry: Entry, chainBalance: () throws -> Int64?) rethrows {
        if let open = chain, !open.holds(entry) {
            close(open)
            chain = nil
        }
        var current =
            try chain
            ?? Chain(
                realmID: entry.realmID, memberID: entry.memberID, currencyID: entry.currencyID,
                balance: chainBalance())
        let (realm, member, currency) = (entry.realmID, entry.memberID, entry.currencyID)
        let (before, amount, after) = (entry.balanceBefore, entry.amount, entry.balanceAfter)
        if before != current.lastAfter {
            record(
                .chainBroken, realm, member, currency,
                "Journal entry \(entry.entryID) starts at \(before) but the entry before it ended at \(current.lastAfter)."
            )
        }
        let (expected, overflow) = before.addingReportingOverflow(amount)
        if overflow || expected != after {
            record(
                .entryArithmetic, realm, member, currency,
                "Journal entry \(entry.entryID): \(before) plus \(amount) is not \(after).")
        }
        let (sum, sumOverflow) = current.sum.addingReportingOverflow(amount)
        current.sum = sum
        current.sumOverflowed = current.sumOverflowed || sumOverflow
        current.lastAfter = after
        chain = current
        report.entriesChecked += 1
        if report.entriesChecked % Self.progressInterval == 0 { progress(report.entriesChecked) }
    }

    /// Closes the last chain once the journal has been read, and reports progress.
    public mutating func finishJournal() {
        if let open = chain { close(open) }
        chain = nil
        progress(report.entriesChecked)
    }

    /// A chain ends: its sum and its last balance-after must both equal its balance row (an
    /// absent row is 0).
    private mutating func close(_ chain: Chain) {
        let balance = chain.balance
        let place = "member \(chain.memberID), currency \(chain.currencyID)"
        let shown = balance.map(String.init) ?? "absent"
        if chain.sumOverflowed || chain.sum != (balance ?? 0) {
            record(
                .journalSumMismatch, chain.realmID, chain.memberID, chain.currencyID,
                "For \(place) the journal sums to \(chain.sumOverflowed ? "more than 64 bits" : String(chain.sum)) but the balance is \(shown)."
            )
        }
        if chain.lastAfter != (balance ?? 0) {
            record(
                .lastEntryMismatch, chain.realmID, chain.memberID, chain.currencyID,
                "For \(place) the last journal entry ends at \(chain.lastAfter) but the balance is \(shown).")
        }
    }

    /// A balance row that no journal entry explains (a zero balance needs none).
    public mutating func unexplainedBalance(realmID: String, memberID: String, currencyID: String, balance: Int64) {
        guard balance != 0 else { return }
        record(
            .journalSumMismatch, realmID, memberID, currencyID,
            "The balance is \(balance) but no journal entry explains it.")
    }

    /// A balance against its currency's floor and ceiling (`maximum` nil: no ceiling).
    public mutating func checkRange(
        realmID: String, memberID: String, currencyID: String, balance: Int64, minimum: Int64, maximum: Int64?
    ) {
        if balance < minimum {
            record(
                .belowMinimum, realmID, memberID, currencyID, "The balance \(balance) is below the minimum \(minimum).")
        } else if let maximum, balance > maximum {
            record(
                .aboveMaximum, realmID, memberID, currencyID, "The balance \(balance) is above the maximum \(maximum).")
        }
    }

    /// An index beside the journal (`name`) holds `indexed` rows where the journal has
    /// `expected` entries for it to hold.
    public mutating func checkIndex(_ name: String, indexed: Int, expected: Int) {
        guard indexed != expected else { return }
        record(
            .indexMismatch, nil, nil, nil,
            "The index \(name) holds \(indexed) rows, but the journal has \(expected) entries for it.")
    }

    /// A row of `AuditQueries.keptCounts`: a kept figure against the count of its rows.
    public mutating func keptCount(row: some StoredRow) throws {
        let (figure, counted, kept) = (try row.text("figure"), try row.integer("counted"), try row.integer("kept"))
        guard counted != kept else { return }
        record(
            .keptCountMismatch, try row.optionalText("realm_id"), nil, try row.optionalText("currency_id"),
            "The kept \(figure) is \(kept), but the rows count \(counted).")
    }

    /// How many balance rows the database holds.
    public mutating func countBalances(_ count: Int) { report.balancesChecked = count }

    private mutating func record(
        _ kind: VerifyReport.Violation.Kind, _ realm: String?, _ member: String?, _ currency: String?,
        _ message: String
    ) {
        guard report.violations.count < listedMax else { return }
        report.violations.append(
            .init(kind: kind, realmID: realm, memberID: member, currencyID: currency, message: message))
    }
}
