/// A leaderboard position: balances rank highest first; ties share a rank (1, 2, 2, 4) and are
/// ordered by member id.
public struct LeaderboardEntry: Sendable, Equatable {
    public let member: Member
    public let balance: Int64
    public let rank: Int

    public init(member: Member, balance: Int64, rank: Int) {
        self.member = member
        self.balance = balance
        self.rank = rank
    }
}

/// The cursor of a leaderboard page: the last entry's balance and member id, as opaque text.
public struct LeaderboardCursor: Sendable, Equatable {
    public let balance: Int64
    public let memberID: MemberID

    public init(balance: Int64, memberID: MemberID) {
        self.balance = balance
        self.memberID = memberID
    }

    /// `<balance>_<member id>`.
    public var text: String { "\(balance)_\(memberID)" }

    /// Parses a cursor made by `text`; nil when malformed.
    public init?(text: String) {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let balance = Int64(parts[0]), let member = MemberID(parts[1]) else { return nil }
        self.init(balance: balance, memberID: member)
    }
}

/// One page of a leaderboard.
public struct LeaderboardPage: Sendable, Equatable {
    public let entries: [LeaderboardEntry]
    /// Members holding a balance in the currency.
    public let totalCount: Int
    public let hasNextPage: Bool

    public init(entries: [LeaderboardEntry], totalCount: Int, hasNextPage: Bool) {
        self.entries = entries
        self.totalCount = totalCount
        self.hasNextPage = hasNextPage
    }
}
