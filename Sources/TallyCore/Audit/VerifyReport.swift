/// The result of `tally verify`: what was checked and every broken invariant found.
public struct VerifyReport: Sendable, Equatable {
    /// Balance rows checked.
    public var balancesChecked: Int
    /// Journal entries checked.
    public var entriesChecked: Int
    /// Every violation found (empty when the books balance).
    public var violations: [Violation]

    /// A report.
    public init(balancesChecked: Int = 0, entriesChecked: Int = 0, violations: [Violation] = []) {
        self.balancesChecked = balancesChecked
        self.entriesChecked = entriesChecked
        self.violations = violations
    }

    /// True when no invariant is broken.
    public var isClean: Bool { violations.isEmpty }

    /// One broken invariant.
    public struct Violation: Sendable, Equatable {
        /// Which invariant.
        public enum Kind: String, Sendable, CaseIterable {
            /// The sum of a balance's journal amounts differs from the balance.
            case journalSumMismatch = "journal-sum-mismatch"
            /// The last journal entry's balance-after differs from the balance.
            case lastEntryMismatch = "last-entry-mismatch"
            /// An entry's balance-before is not the previous entry's balance-after.
            case chainBroken = "chain-broken"
            /// An entry's balance-after minus balance-before is not its amount.
            case entryArithmetic = "entry-arithmetic"
            /// A balance is below its currency's minimum.
            case belowMinimum = "below-minimum"
            /// A balance is above its currency's maximum.
            case aboveMaximum = "above-maximum"
            /// A row refers to a member, currency or realm that does not exist.
            case orphanRow = "orphan-row"
            /// An index the store keeps beside the journal misses entries or names entries that
            /// do not exist (SQLite's member index).
            case indexMismatch = "index-mismatch"
            /// A figure the store keeps as writes commit (a realm's member count, a currency's
            /// number of balances, its journal entries and points moved) differs from a count of
            /// the rows (docs/decisions/0011-kept-counts.md).
            case keptCountMismatch = "kept-count-mismatch"
        }

        /// Which invariant is broken.
        public let kind: Kind
        /// The realm, when known.
        public let realmID: String?
        /// The member, when known.
        public let memberID: String?
        /// The currency, when known.
        public let currencyID: String?
        /// What was found, in a sentence.
        public let message: String

        /// A violation.
        public init(kind: Kind, realmID: String?, memberID: String?, currencyID: String?, message: String) {
            self.kind = kind
            self.realmID = realmID
            self.memberID = memberID
            self.currencyID = currencyID
            self.message = message
        }
    }
}
