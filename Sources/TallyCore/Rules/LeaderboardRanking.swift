/// Competition ranking ("1224") of one leaderboard page, from rows a store fetched.
///
/// A balance's rank is 1 plus the number of balances strictly greater than it, so ties share a
/// rank and the next distinct balance skips past them. A store reads the page, after the cursor,
/// in (balance descending, member id ascending) order, `rowsToFetch(take:)` rows of it; then,
/// for `anchorBalance` (the page's first balance), the number of the currency's balances greater
/// than it and greater than or equal to it. Those two counts and the page itself settle every
/// rank on the page, even when the page starts inside a run of ties, without reading what lies
/// above the cursor.
public struct LeaderboardRanking: Sendable {
    /// One fetched row: a member and its balance in the leaderboard's currency.
    public struct Row: Sendable, Equatable {
        /// The member.
        public let member: Member
        /// Its balance.
        public let balance: Int64

        /// A row.
        public init(member: Member, balance: Int64) {
            self.member = member
            self.balance = balance
        }
    }

    /// The rows a store fetches for a page of `take`: one more, which only tells whether
    /// another page follows.
    public static func rowsToFetch(take: Int) -> Int { take + 1 }

    private let rows: [Row]
    private let take: Int

    /// The ranking of the rows fetched after the cursor (at most `rowsToFetch(take:)` of them,
    /// in leaderboard order) for a page of `take`.
    public init(rows: [Row], take: Int) {
        precondition(take >= 1, "a page holds at least one entry")
        precondition(rows.count <= Self.rowsToFetch(take: take), "more rows than a page reads")
        // Checked in debug builds only: the order is the database's, and a read must not crash.
        assert(
            zip(rows, rows.dropFirst()).allSatisfy {
                $0.balance > $1.balance || ($0.balance == $1.balance && $0.member.id < $1.member.id)
            }, "rows must come in leaderboard order")
        self.rows = rows
        self.take = take
    }

    /// The balance the store counts around: the page's first. Nil when the page is empty, and
    /// then no counts are needed.
    public var anchorBalance: Int64? { rows.first?.balance }

    /// The page, given how many of the currency's balances are strictly greater than
    /// `anchorBalance` and how many are greater than or equal to it, and how many members hold
    /// a balance in the currency (`totalCount`).
    public func page(greater: Int, greaterOrEqual: Int, totalCount: Int) -> LeaderboardPage {
        var entries = [LeaderboardEntry]()
        if let anchor = anchorBalance {
            assert(0 <= greater && greater < greaterOrEqual, "the anchor's own balance counts as equal")
            // Rows below the anchor seen so far: each is above every later, smaller balance.
            var belowAnchor = 0
            var previous: (balance: Int64, rank: Int)?
            for row in rows.prefix(take) {
                let rank: Int
                if row.balance == anchor {
                    rank = 1 + greater
                } else if let previous, previous.balance == row.balance {
                    rank = previous.rank
                } else {
                    rank = 1 + greaterOrEqual + belowAnchor
                }
                if row.balance < anchor { belowAnchor += 1 }
                previous = (row.balance, rank)
                entries.append(LeaderboardEntry(member: row.member, balance: row.balance, rank: rank))
            }
        }
        return LeaderboardPage(entries: entries, totalCount: totalCount, hasNextPage: rows.count > take)
    }
}
