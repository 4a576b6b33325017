import Testing

@testable import TallyCore

/// The rule for balances brought in from elsewhere, shared by `tally import` (an export without a
/// journal) and `tally member import` (balance columns).
@Suite struct OpeningBalancesTests {
    static let realm = RealmID("0123456789abcdef01234567")!
    static let member = MemberID("00000000000000000000000a")!
    static let other = MemberID("00000000000000000000000b")!
    static let currency = CurrencyID("0000000000000000000000c0")!

    @Test(arguments: [
        (Int64(0), Int64(0), Int64?.none, true), (0, -10, 100, true), (-10, -10, 100, true), (100, -10, 100, true),
        (-1, 0, nil, false), (-11, -10, 100, false), (101, -10, 100, false), (Int64.max, 0, nil, true),
        (Int64.min, 0, nil, false),
    ])
    func aBalanceMustLieWithinItsCurrencysFloorAndCeiling(balance: Int64, minimum: Int64, maximum: Int64?, ok: Bool) {
        let result = Result { () throws(TallyError) in
            try OpeningBalances.check(
                balance, minimum: minimum, maximum: maximum, subject: "the balance of member x", currency: "Points")
        }
        switch result {
        case .success: #expect(ok)
        case .failure(let error):
            #expect(!ok)
            #expect(error.code == .validation)
            #expect(
                error.message
                    == "the balance of member x is \(balance), outside currency Points's range \(minimum) to \(maximum.map(String.init) ?? "unlimited")."
            )
        }
    }

    @Test func entriesGoFromZeroToTheBalanceInOneBatchOfKindImport() {
        let time = TallyClock.Manual(TallyClock.Instant(millisecondsSince1970: 1_800_000_000_123))
        var openings = OpeningBalances(
            realm: Self.realm, ids: IDGenerator(clock: time.clock), now: 1_800_000_000_000, initiatorID: "drip")
        #expect(openings.batchID == nil, "no batch before the first entry")
        let first = openings.entry(250, member: Self.member, currency: Self.currency)
        let second = openings.entry(-40, member: Self.other, currency: Self.currency)
        for (entry, member, amount) in [(first, Self.member, Int64(250)), (second, Self.other, -40)] {
            #expect(entry.realmID == Self.realm && entry.memberID == member && entry.currencyID == Self.currency)
            #expect(entry.amount == amount && entry.balanceBefore == 0 && entry.balanceAfter == amount)
            #expect(entry.kind == .imported && entry.kind.rawValue == "import")
            #expect(entry.initiatorID == "drip")
            #expect(entry.createdAtMilliseconds == 1_800_000_000_000)
            #expect(entry.batchID == openings.batchID)
        }
        #expect(first.id != second.id)
    }
}
