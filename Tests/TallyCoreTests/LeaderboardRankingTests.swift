import Testing

@testable import TallyCore

/// Competition ranking of leaderboard pages: ties, the cursor, and pages that start inside a
/// run of ties, checked against ranks counted over the whole board.
@Suite struct LeaderboardRankingTests {
    let realm = RealmID("507f1f77bcf86cd799439011")!

    func member(_ index: Int) -> Member {
        let hex = String(index, radix: 16)
        let id = MemberID(String(repeating: "0", count: 24 - hex.count) + hex)!
        return Member(id: id, realmID: realm, credentials: Credentials(), createdAtMilliseconds: 0)
    }

    /// The whole board in leaderboard order: balance descending, then member id.
    func board(_ balances: [Int64]) -> [LeaderboardRanking.Row] {
        balances.enumerated().map { LeaderboardRanking.Row(member: member($0.offset), balance: $0.element) }
            .sorted { ($0.balance, $1.member.id) > ($1.balance, $0.member.id) }
    }

    /// What a store does: the rows after `cursor`, `rowsToFetch` of them, and the two counts.
    func page(_ board: [LeaderboardRanking.Row], after cursor: LeaderboardCursor?, take: Int) -> LeaderboardPage {
        let after = board.filter { row in
            guard let cursor else { return true }
            return row.balance < cursor.balance || (row.balance == cursor.balance && row.member.id > cursor.memberID)
        }
        let ranking = LeaderboardRanking(
            rows: Array(after.prefix(LeaderboardRanking.rowsToFetch(take: take))), take: take)
        var greater = 0, greaterOrEqual = 0
        if let anchor = ranking.anchorBalance {
            greater = board.count { $0.balance > anchor }
            greaterOrEqual = board.count { $0.balance >= anchor }
        }
        return ranking.page(greater: greater, greaterOrEqual: greaterOrEqual, totalCount: board.count)
    }

    @Test func tiesShareARankAndTheNextRankSkipsPastThem() {
        let ranked = page(board([10, 5, 5, 1]), after: nil, take: 10)
        #expect(ranked.entries.map(\.rank) == [1, 2, 2, 4])
        #expect(ranked.entries.map(\.balance) == [10, 5, 5, 1])
        #expect(ranked.entries.map(\.member.id) == [member(0).id, member(1).id, member(2).id, member(3).id])
        #expect(ranked.totalCount == 4 && !ranked.hasNextPage)
    }

    @Test func allTiedAllFirst() {
        #expect(page(board([3, 3, 3]), after: nil, take: 2).entries.map(\.rank) == [1, 1])
    }

    @Test func aPageThatStartsInsideATieKeepsTheTiesRank() {
        let whole = board([9, 7, 7, 7, 5])
        let second = page(whole, after: LeaderboardCursor(balance: 7, memberID: whole[1].member.id), take: 2)
        #expect(second.entries.map(\.balance) == [7, 7])
        #expect(second.entries.map(\.rank) == [2, 2])
        let third = page(whole, after: LeaderboardCursor(balance: 7, memberID: whole[3].member.id), take: 2)
        #expect(third.entries.map(\.rank) == [5])
        #expect(!third.hasNextPage)
    }

    @Test func theExtraRowOnlyTellsThatAnotherPageFollows() {
        let whole = board([4, 3, 2])
        #expect(LeaderboardRanking.rowsToFetch(take: 2) == 3)
        let first = page(whole, after: nil, take: 2)
        #expect(first.entries.count == 2 && first.hasNextPage)
        #expect(!page(whole, after: nil, take: 3).hasNextPage)
    }

    @Test func anEmptyPageNeedsNoCounts() {
        let ranking = LeaderboardRanking(rows: [], take: 5)
        #expect(ranking.anchorBalance == nil)
        #expect(
            ranking.page(greater: 0, greaterOrEqual: 0, totalCount: 7)
                == LeaderboardPage(
                    entries: [], totalCount: 7, hasNextPage: false))
    }

    /// Walking the board page by page with each page's last entry as the cursor visits every
    /// member once, with the rank counted over the whole board, whatever the page size.
    @Test(arguments: [1, 2, 3, 4, 5, 20])
    func everyPageAgreesWithRanksCountedOverTheWholeBoard(take: Int) {
        let whole = board([9, 7, 7, 7, 5, 5, 3, 3, 3, 3, -1, 0, 0, 12, 7])
        var seen = [LeaderboardEntry]()
        var cursor: LeaderboardCursor?
        var pages = 0
        while true {
            let next = page(whole, after: cursor, take: take)
            seen += next.entries
            pages += 1
            guard next.hasNextPage, let last = next.entries.last else { break }
            cursor = LeaderboardCursor(balance: last.balance, memberID: last.member.id)
        }
        #expect(pages == (whole.count + take - 1) / take)
        #expect(seen.map(\.member.id) == whole.map(\.member.id))
        #expect(seen.map(\.rank) == whole.map { row in 1 + whole.count { $0.balance > row.balance } })
    }
}
