import Testing

@testable import TallyCore

/// Page arithmetic and balance grouping, the same for every store.
@Suite struct ReadModelTests {
    let realm = RealmID("507f1f77bcf86cd799439011")!

    func entry(_ sequence: Int64) -> JournalEntry {
        JournalEntry(
            id: JournalEntryID("507f1f77bcf86cd7994390\(sequence + 10)")!, sequence: sequence, realmID: realm,
            memberID: MemberID("507f1f77bcf86cd799439013")!, currencyID: CurrencyID("507f1f77bcf86cd799439015")!,
            amount: 1, balanceBefore: 0, balanceAfter: 1, batchID: BatchID("507f1f77bcf86cd799439016")!,
            initiatorID: nil, kind: .batch, createdAtMilliseconds: 0)
    }

    @Test func aJournalPageKeepsLimitEntriesAndPointsPastTheLastWhenMoreFollow() {
        #expect(JournalPage.rowsToFetch(limit: 2) == 3)
        let full = JournalPage(fetched: [entry(9), entry(7), entry(4)], limit: 2)
        #expect(full.entries.map(\.sequence) == [9, 7])
        #expect(full.nextCursor == "7")
        let last = JournalPage(fetched: [entry(9), entry(7)], limit: 2)
        #expect(last.entries.count == 2 && last.nextCursor == nil)
        #expect(JournalPage(fetched: [], limit: 2) == JournalPage(entries: [], nextCursor: nil))
    }

    @Test func membersKeepTheirOrderAndGetOnlyTheirOwnBalances() throws {
        let a = Member(
            id: MemberID("507f1f77bcf86cd799439021")!, realmID: realm, credentials: .init(), createdAtMilliseconds: 0)
        let b = Member(
            id: MemberID("507f1f77bcf86cd799439022")!, realmID: realm, credentials: .init(), createdAtMilliseconds: 0)
        let points = Currency(
            id: CurrencyID("507f1f77bcf86cd799439015")!, realmID: realm, name: "P", emoji: nil, isDefault: true,
            archivedAtMilliseconds: nil, minimumBalance: 0, maximumBalance: nil, isTransferable: true,
            createdAtMilliseconds: 0)
        let gems = Currency(
            id: CurrencyID("507f1f77bcf86cd799439016")!, realmID: realm, name: "G", emoji: nil, isDefault: false,
            archivedAtMilliseconds: nil, minimumBalance: 0, maximumBalance: nil, isTransferable: true,
            createdAtMilliseconds: 1)
        let details = MemberDetails.joining(
            [b, a],
            balances: [
                (a.id.rawValue, HeldBalance(currency: points, balance: 1)),
                (a.id.rawValue, HeldBalance(currency: gems, balance: 2)),
            ])
        #expect(details.map(\.member) == [b, a])
        #expect(details[0].balances.isEmpty)
        #expect(details[1].balances.map(\.balance) == [1, 2])
    }

    @Test func archivedWinsOverIncludeArchived() throws {
        let page = try PageRequest()
        #expect(CurrencyQuery(page: page).archivedFilter == false)
        #expect(CurrencyQuery(page: page, includeArchived: true).archivedFilter == nil)
        #expect(CurrencyQuery(page: page, includeArchived: true, archived: false).archivedFilter == false)
        #expect(CurrencyQuery(page: page, archived: true).archivedFilter == true)
    }

    @Test func aPageCarriesTheRequestsNumberAndSize() throws {
        let page = Page(items: [1, 2], total: 12, request: try PageRequest(page: 3, limit: 5))
        #expect(page.page == 3 && page.limit == 5 && page.totalPages == 3)
    }
}
