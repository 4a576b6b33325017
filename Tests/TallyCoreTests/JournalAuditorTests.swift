import Testing

@testable import TallyCore

/// verify's rules without a database: each violation kind with its sentence, chain boundaries,
/// overflow, the cap on listed violations, and progress.
@Suite struct JournalAuditorTests {
    /// Feeds `entries` as one walk of the journal, each chain's balance read from `balances`
    /// (keyed by currency; absent means no balance row), and returns the report.
    func audit(
        _ entries: [JournalAuditor.Entry], balances: [String: Int64], listed: Int = JournalAuditor.violationsListedMax
    ) -> VerifyReport {
        var auditor = JournalAuditor(violationsListedMax: listed) { _ in }
        for entry in entries { auditor.check(entry) { balances[entry.currencyID] } }
        auditor.finishJournal()
        return auditor.report
    }

    func entry(_ id: String, _ before: Int64, _ amount: Int64, _ after: Int64, currency: String = "c1")
        -> JournalAuditor.Entry
    {
        JournalAuditor.Entry(
            realmID: "r", memberID: "m", currencyID: currency, entryID: id, amount: amount, balanceBefore: before,
            balanceAfter: after)
    }

    func kinds(_ report: VerifyReport) -> [VerifyReport.Violation.Kind] { report.violations.map(\.kind) }

    @Test func aChainThatAddsUpToItsBalanceIsClean() {
        let report = audit([entry("e1", 0, 5, 5), entry("e2", 5, -2, 3)], balances: ["c1": 3])
        #expect(report.isClean)
        #expect(report.entriesChecked == 2)
    }

    @Test func anEntryThatDoesNotStartWhereTheLastEndedBreaksTheChain() {
        let report = audit([entry("e1", 0, 5, 5), entry("e2", 4, 1, 5)], balances: ["c1": 5])
        #expect(kinds(report) == [.chainBroken, .journalSumMismatch])
        #expect(report.violations[0].message == "Journal entry e2 starts at 4 but the entry before it ended at 5.")
        #expect(report.violations[0].realmID == "r" && report.violations[0].memberID == "m")
        #expect(report.violations[0].currencyID == "c1")
    }

    @Test func aChainStartsAtZero() {
        let report = audit([entry("e1", 2, 3, 5)], balances: ["c1": 5])
        #expect(kinds(report) == [.chainBroken, .journalSumMismatch])
        #expect(report.violations[1].message == "For member m, currency c1 the journal sums to 3 but the balance is 5.")
    }

    @Test func anEntryWhoseAmountDoesNotLeadFromBeforeToAfterIsReported() {
        let report = audit([entry("e1", 0, 5, 6)], balances: ["c1": 6])
        #expect(kinds(report) == [.entryArithmetic, .journalSumMismatch])
        #expect(report.violations[0].message == "Journal entry e1: 0 plus 5 is not 6.")
    }

    /// Wrapping arithmetic would make `Int64.max + 1` equal the stored `Int64.min`.
    @Test func anEntryWhoseArithmeticOverflowsIsReportedEvenWhenTheWrappedSumMatches() {
        let report = audit([entry("e1", 0, .max, .max), entry("e2", .max, 1, .min)], balances: ["c1": .min])
        #expect(kinds(report) == [.entryArithmetic, .journalSumMismatch])
        #expect(report.violations[0].message == "Journal entry e2: \(Int64.max) plus 1 is not \(Int64.min).")
    }

    @Test func aJournalSumPastSixtyFourBitsIsReportedAsSuch() {
        let report = audit([entry("e1", 0, .max, .max), entry("e2", .max, .max, .max)], balances: ["c1": .max])
        #expect(kinds(report) == [.entryArithmetic, .journalSumMismatch])
        #expect(
            report.violations[1].message
                == "For member m, currency c1 the journal sums to more than 64 bits but the balance is \(Int64.max).")
    }

    /// `max + max + 2` wraps to 0, the balance; only the overflow flag tells them apart.
    @Test func aJournalSumThatWrapsBackToTheBalanceIsStillReported() {
        let report = audit(
            [entry("e1", 0, .max, .max), entry("e2", .max, .max, -2), entry("e3", -2, 2, 0)], balances: ["c1": 0])
        #expect(kinds(report) == [.entryArithmetic, .journalSumMismatch])
    }

    @Test func aBalanceThatDiffersFromTheChainIsReportedTwice() {
        let report = audit([entry("e1", 0, 5, 5)], balances: ["c1": 6])
        #expect(kinds(report) == [.journalSumMismatch, .lastEntryMismatch])
        #expect(report.violations[0].message == "For member m, currency c1 the journal sums to 5 but the balance is 6.")
        #expect(
            report.violations[1].message
                == "For member m, currency c1 the last journal entry ends at 5 but the balance is 6.")
    }

    @Test func aMissingBalanceRowCountsAsZeroAndIsCalledAbsent() {
        #expect(audit([entry("e1", 0, 5, 5), entry("e2", 5, -5, 0)], balances: [:]).isClean)
        let report = audit([entry("e1", 0, 5, 5)], balances: [:])
        #expect(kinds(report) == [.journalSumMismatch, .lastEntryMismatch])
        #expect(report.violations[1].message.hasSuffix("but the balance is absent."))
    }

    /// Each chain is closed against its own balance, read once, when its first entry arrives.
    @Test func chainsCloseWhenTheRealmMemberOrCurrencyChanges() {
        var reads = [String]()
        var auditor = JournalAuditor { _ in }
        let entries = [
            entry("e1", 0, 5, 5), entry("e2", 5, 1, 6), entry("e3", 0, 7, 7, currency: "c2"),
            JournalAuditor.Entry(
                realmID: "r", memberID: "n", currencyID: "c2", entryID: "e4", amount: 2, balanceBefore: 0,
                balanceAfter: 2),
        ]
        let balances: [String: Int64] = ["m/c1": 6, "m/c2": 7, "n/c2": 2]
        for entry in entries {
            auditor.check(entry) {
                reads.append("\(entry.memberID)/\(entry.currencyID)")
                return balances["\(entry.memberID)/\(entry.currencyID)"]
            }
        }
        auditor.finishJournal()
        #expect(auditor.report.isClean)
        #expect(reads == ["m/c1", "m/c2", "n/c2"])
        // The same entries under one balance: the first chain no longer matches.
        #expect(!audit(Array(entries.prefix(2)), balances: ["c1": 7]).isClean)
    }

    @Test func orphanRowsAreNamedByKindAndEntry() {
        var auditor = JournalAuditor { _ in }
        auditor.orphan(.journalEntry, realmID: "r", memberID: "m", currencyID: "c", entryID: "e9")
        auditor.orphan(.member, realmID: "r", memberID: "m", currencyID: nil)
        let violations = auditor.report.violations
        #expect(violations.map(\.kind) == [.orphanRow, .orphanRow])
        #expect(
            violations[0].message == "A journal entry (e9) refers to a realm, member or currency that does not exist.")
        #expect(violations[1].message == "A member refers to a realm, member or currency that does not exist.")
        #expect(violations[1].currencyID == nil)
    }

    @Test func aBalanceWithoutJournalEntriesMustBeZero() {
        var auditor = JournalAuditor { _ in }
        auditor.unexplainedBalance(realmID: "r", memberID: "m", currencyID: "c", balance: 0)
        #expect(auditor.report.isClean)
        auditor.unexplainedBalance(realmID: "r", memberID: "m", currencyID: "c", balance: -4)
        #expect(auditor.report.violations.map(\.kind) == [.journalSumMismatch])
        #expect(auditor.report.violations[0].message == "The balance is -4 but no journal entry explains it.")
    }

    @Test(arguments: [
        (Int64(-1), Int64(0), Int64?.none, VerifyReport.Violation.Kind?.some(.belowMinimum)),
        (0, 0, nil, nil), (10, 0, 10, nil), (11, 0, 10, .aboveMaximum), (Int64.max, 0, nil, nil),
        (-6, -5, 10, .belowMinimum),
    ])
    func balancesStayWithinTheirCurrencysRange(
        balance: Int64, minimum: Int64, maximum: Int64?, expected: VerifyReport.Violation.Kind?
    ) {
        var auditor = JournalAuditor { _ in }
        auditor.checkRange(
            realmID: "r", memberID: "m", currencyID: "c", balance: balance, minimum: minimum, maximum: maximum)
        #expect(auditor.report.violations.map(\.kind) == (expected.map { [$0] } ?? []))
    }

    @Test func rangeSentencesNameTheLimit() {
        var auditor = JournalAuditor { _ in }
        auditor.checkRange(realmID: "r", memberID: "m", currencyID: "c", balance: -1, minimum: 0, maximum: nil)
        auditor.checkRange(realmID: "r", memberID: "m", currencyID: "c", balance: 11, minimum: 0, maximum: 10)
        #expect(
            auditor.report.violations.map(\.message) == [
                "The balance -1 is below the minimum 0.", "The balance 11 is above the maximum 10.",
            ])
    }

    @Test func violationsPastTheCapAreNotListedButTheReportStillFails() {
        var auditor = JournalAuditor(violationsListedMax: 3) { _ in }
        for balance in Int64(1)...5 {
            auditor.unexplainedBalance(realmID: "r", memberID: "m\(balance)", currencyID: "c", balance: balance)
        }
        #expect(auditor.report.violations.map(\.memberID) == ["m1", "m2", "m3"])
        #expect(!auditor.report.isClean)
    }

    @Test func theDefaultCapListsAThousand() {
        var auditor = JournalAuditor { _ in }
        for index in 0...JournalAuditor.violationsListedMax {
            auditor.orphan(.balance, realmID: "r", memberID: "m\(index)", currencyID: "c")
        }
        #expect(auditor.report.violations.count == 1_000)
    }

    @Test func theCapHoldsInsideAChainToo() {
        let entries = (0..<10).map { entry("e\($0)", 1, 1, 1) }
        let report = audit(entries, balances: ["c1": 1], listed: 4)
        #expect(report.violations.count == 4)
        #expect(report.entriesChecked == 10)
    }

    @Test func progressComesEveryHundredThousandEntriesAndAtTheEnd() {
        final class Calls { var values = [Int]() }
        let calls = Calls()
        var auditor = JournalAuditor { calls.values.append($0) }
        var after: Int64 = 0
        for index in 0..<200_001 {
            auditor.check(entry("e\(index)", after, 1, after + 1)) { 200_001 }
            after += 1
        }
        #expect(calls.values == [100_000, 200_000])
        auditor.finishJournal()
        #expect(calls.values == [100_000, 200_000, 200_001])
        #expect(auditor.report.isClean)
    }

    @Test func theBalanceCountIsReported() {
        var auditor = JournalAuditor { _ in }
        auditor.countBalances(42)
        auditor.finishJournal()
        #expect(auditor.report == VerifyReport(balancesChecked: 42, entriesChecked: 0, violations: []))
    }
}
