import Testing

@testable import TallyCore

/// The pure rules of SPEC section 2, at their boundaries.
@Suite struct BatchPlannerTests {
    let realm = RealmID("507f1f77bcf86cd799439011")!
    let alice = MemberID("507f1f77bcf86cd799439013")!
    let bob = MemberID("507f1f77bcf86cd799439014")!
    let ghost = MemberID("507f1f77bcf86cd799439099")!
    let points = CurrencyID("507f1f77bcf86cd799439015")!
    let gems = CurrencyID("507f1f77bcf86cd799439016")!

    func currency(_ id: CurrencyID, min: Int64 = 0, max: Int64? = nil, archived: Bool = false, isDefault: Bool = false)
        -> Currency
    {
        Currency(
            id: id, realmID: realm, name: "c", emoji: nil, isDefault: isDefault,
            archivedAtMilliseconds: archived ? 1 : nil,
            minimumBalance: min,
            maximumBalance: max, isTransferable: true, createdAtMilliseconds: 0)
    }

    /// What a store would read: the references, and the balances of the keys they resolve to.
    struct Snapshot {
        var references: BatchPlanner.References
        var balances: [BalanceKey: Int64]
    }

    func snapshot(balance: Int64 = 0, min: Int64 = 0, max: Int64? = nil, defaultCurrency: Bool = true) -> Snapshot {
        Snapshot(
            references: BatchPlanner.References(
                existingMembers: [alice, bob],
                currencies: [
                    points: currency(points, min: min, max: max, isDefault: true),
                    gems: currency(gems, archived: true),
                ],
                defaultCurrencyID: defaultCurrency ? points : nil),
            balances: [BalanceKey(currencyID: points, memberID: alice): balance])
    }

    func plan(_ changes: [Change], _ snapshot: Snapshot) throws -> BatchPlan {
        let resolved = try BatchPlanner.resolve(
            try Batch(realmID: realm, changes: changes), references: snapshot.references)
        return try BatchPlanner.plan(resolved, balances: snapshot.balances)
    }

    func code(_ changes: [Change], _ snapshot: Snapshot) -> TallyError.Code? {
        do {
            _ = try plan(changes, snapshot)
            return nil
        } catch let error as TallyError {
            return error.code
        } catch {
            return .unavailable
        }
    }

    @Test(arguments: [
        (Int64(0), Int64(0), nil as TallyError.Code?),
        (0, 1, nil),
        (1, -1, nil),
        (0, -1, .insufficientBalance),
        (0, Int64.max, nil),
        (1, Int64.max, .amountOverflow),
        (Int64.max, 1, .amountOverflow),
        (Int64.max, -Int64.max, nil),
        (5, Int64.min, .insufficientBalance),
    ])
    func amountBoundariesWithTheDefaultFloor(balance: Int64, amount: Int64, expected: TallyError.Code?) {
        #expect(code([Change(memberID: alice, amount: amount)], snapshot(balance: balance)) == expected)
    }

    @Test(arguments: [
        (Int64(-100), Int64(-100), true), (-100, -101, false), (0, 0, true), (Int64.min, Int64.min, true),
    ])
    func negativeFloors(floor: Int64, amount: Int64, allowed: Bool) {
        let result = code([Change(memberID: alice, amount: amount)], snapshot(min: floor))
        #expect(result == (allowed ? nil : .insufficientBalance))
    }

    @Test(arguments: [(Int64(100), Int64(100), true), (100, 101, false), (0, 1, false), (0, 0, true)])
    func ceilings(ceiling: Int64, amount: Int64, allowed: Bool) {
        let result = code([Change(memberID: alice, amount: amount)], snapshot(max: ceiling))
        #expect(result == (allowed ? nil : .balanceLimitExceeded))
    }

    @Test func overflowBelowInt64MinIsAnOverflowNotAFloorBreach() {
        #expect(
            code([Change(memberID: alice, amount: -1)], snapshot(balance: Int64.min, min: Int64.min)) == .amountOverflow
        )
    }

    @Test func changesApplyInOrderAndSeeEachOther() throws {
        let result = try plan(
            [
                Change(memberID: alice, amount: -5), Change(memberID: bob, amount: 3),
                Change(memberID: alice, amount: 10),
            ],
            snapshot(balance: 5))
        #expect(result.entries.map(\.balanceBefore) == [5, 0, 0])
        #expect(result.entries.map(\.balanceAfter) == [0, 3, 10])
        #expect(result.entries.allSatisfy { $0.balanceAfter - $0.balanceBefore == $0.amount })
        #expect(result.finalBalances.first { $0.key == BalanceKey(currencyID: points, memberID: alice) }?.balance == 10)
        #expect(result.finalBalances.count == 2)
    }

    @Test func resolveNamesEachTouchedBalanceOnceInLockOrder() throws {
        let batch = try Batch(
            realmID: realm,
            changes: [
                Change(memberID: bob, amount: 1), Change(memberID: alice, amount: 2),
                Change(memberID: bob, amount: 3), Change(memberID: alice, amount: 4, currencyID: points),
            ])
        let resolved = try BatchPlanner.resolve(batch, references: snapshot().references)
        let aliceKey = BalanceKey(currencyID: points, memberID: alice)
        let bobKey = BalanceKey(currencyID: points, memberID: bob)
        #expect(resolved.keys == [bobKey, aliceKey, bobKey, aliceKey], "one key per change, default filled in")
        #expect(resolved.balanceKeys == [aliceKey, bobKey], "distinct and sorted")
        let plan = try BatchPlanner.plan(resolved, balances: [aliceKey: 5])
        #expect(plan.finalBalances.map(\.key) == resolved.balanceKeys, "finals follow the lock order")
        #expect(plan.finalBalances.map(\.balance) == [11, 4])
    }

    @Test func theReceiptNamesEachEntryWithItsIDInRequestOrder() throws {
        let result = try plan(
            [Change(memberID: alice, amount: 2), Change(memberID: bob, amount: 3)], snapshot(balance: 1))
        let ids: [JournalEntryID] = [
            JournalEntryID("507f1f77bcf86cd799439021")!, JournalEntryID("507f1f77bcf86cd799439022")!,
        ]
        let receipt = result.receipt(batchID: BatchID("507f1f77bcf86cd799439020")!, entryIDs: ids)
        #expect(receipt.changes.map(\.entryID) == ids)
        #expect(receipt.changes.map(\.memberID) == [alice, bob])
        #expect(receipt.changes.map(\.balanceAfter) == [3, 3])
    }

    /// Entry ids and changes are counted against each other, not zipped: an id too many (which
    /// a zip would silently drop) stops the process.
    @Test func aReceiptWithMoreEntryIDsThanChangesIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            let realm = RealmID("507f1f77bcf86cd799439011")!
            let alice = MemberID("507f1f77bcf86cd799439013")!
            let points = CurrencyID("507f1f77bcf86cd799439015")!
            let currency = Currency(
                id: points, realmID: realm, name: "c", emoji: nil, isDefault: true, minimumBalance: 0,
                maximumBalance: nil, isTransferable: true, createdAtMilliseconds: 0)
            let batch = try Batch(
                realmID: realm, changes: [Change(memberID: alice, amount: 1), Change(memberID: alice, amount: 1)])
            let references = BatchPlanner.References(
                existingMembers: [alice], currencies: [points: currency], defaultCurrencyID: points)
            let plan = try BatchPlanner.plan(try BatchPlanner.resolve(batch, references: references), balances: [:])
            let ids = ["507f1f77bcf86cd799439021", "507f1f77bcf86cd799439022", "507f1f77bcf86cd799439023"]
            _ = plan.receipt(batchID: BatchID("507f1f77bcf86cd799439020")!, entryIDs: ids.map { JournalEntryID($0)! })
        }
    }

    @Test func aLaterChangeMayNotRescueAnEarlierOverdraft() {
        // In-order semantics: -10 on an empty balance fails even though +20 follows.
        #expect(
            code([Change(memberID: alice, amount: -10), Change(memberID: alice, amount: 20)], snapshot())
                == .insufficientBalance)
    }

    @Test func referencesFailBeforeArithmetic() throws {
        let error = #expect(throws: TallyError.self) {
            _ = try plan([Change(memberID: alice, amount: -1), Change(memberID: ghost, amount: 1)], snapshot())
        }
        #expect(error?.code == .memberNotFound)
        #expect(error?.details?["index"] == .integer(1))
        #expect(error?.details?["dripId"] == .text(ghost.rawValue))
    }

    @Test func currencyResolution() {
        #expect(code([Change(memberID: alice, amount: 1)], snapshot(defaultCurrency: false)) == .currencyNotFound)
        // gems is archived.
        #expect(code([Change(memberID: alice, amount: 1, currencyID: gems)], snapshot()) == .currencyNotFound)
        #expect(
            code([Change(memberID: alice, amount: 1, currencyID: CurrencyID("507f1f77bcf86cd799439077")!)], snapshot())
                == .currencyNotFound)
    }

    @Test func failureDetailsCarryTheBalanceAndAmount() {
        let error = #expect(throws: TallyError.self) {
            _ = try plan([Change(memberID: bob, amount: 1), Change(memberID: alice, amount: -8)], snapshot(balance: 7))
        }
        #expect(error?.code == .insufficientBalance)
        #expect(error?.details?["index"] == .integer(1))
        #expect(error?.details?["balance"] == .integer(7))
        #expect(error?.details?["amount"] == .integer(-8))
        #expect(error?.details?["currencyId"] == .text(points.rawValue))
        #expect(error?.message.contains("Change 1") == true)
    }

    @Test(arguments: [(0, false), (1, true), (1_000, true), (1_001, false)])
    func batchSize(count: Int, valid: Bool) {
        let changes = Array(repeating: Change(memberID: alice, amount: 1), count: count)
        #expect(((try? Batch(realmID: realm, changes: changes)) != nil) == valid)
    }

    @Test(arguments: [(256, true), (257, false)])
    func initiatorLength(length: Int, valid: Bool) {
        let batch = try? Batch(
            realmID: realm, changes: [Change(memberID: alice, amount: 1)],
            initiatorID: String(repeating: "é", count: length))
        #expect((batch != nil) == valid)
    }
}
