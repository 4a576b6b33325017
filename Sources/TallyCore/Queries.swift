/// How to list a realm's members (DRIP "List Realm Members").
public struct MemberQuery: Sendable, Equatable {
    /// What to sort by. DRIP's `sortBy` values map onto these (see `init(dripSortBy:)`).
    public enum SortField: String, Sendable, CaseIterable {
        case joined, username, updated
    }

    /// Which page.
    public var page: PageRequest
    /// Substring matched against username and email, case-insensitively.
    public var search: String?
    /// Sort field.
    public var sortField: SortField
    /// Sort direction.
    public var order: SortOrder

    /// A query.
    public init(page: PageRequest, search: String? = nil, sortField: SortField = .joined, order: SortOrder = .ascending)
    {
        self.page = page
        self.search = search
        self.sortField = sortField
        self.order = order
    }

    /// DRIP's `sortBy` vocabulary: `username, displayName, firstVisit, lastVisit, updatedAt, lastActive,
    /// createdAt, joinedAt, name, user, status`.
    public static func sortField(dripSortBy text: String) -> SortField? {
        switch text {
        case "username", "displayName", "name", "user": .username
        case "firstVisit", "createdAt", "joinedAt", "status": .joined
        case "lastVisit", "updatedAt", "lastActive": .updated
        default: nil
        }
    }
}

/// Which credential a member search or account lookup matches.
public enum SearchKind: String, Sendable, CaseIterable {
    case dripId = "drip-id"
    case discordId = "discord-id"
    case twitterId = "twitter-id"
    case wallet
    case email
    case username

    /// The credential kind, or nil for `drip-id`.
    public var credential: Credentials.Kind? {
        switch self {
        case .dripId: nil
        case .discordId: .discordId
        case .twitterId: .twitterId
        case .wallet: .wallet
        case .email: .email
        case .username: .username
        }
    }

    /// Parses a type, accepting the guides' older spellings (`discord`, `twitter`, `drip`).
    public init?(dripType text: String) {
        switch text {
        case "discord": self = .discordId
        case "twitter": self = .twitterId
        case "drip": self = .dripId
        default: self.init(rawValue: text)
        }
    }
}

/// How to list a realm's currencies (DRIP "Get Currencies").
public struct CurrencyQuery: Sendable, Equatable {
    /// What to sort by.
    public enum SortField: String, Sendable, CaseIterable {
        case createdAt, name, updatedAt
    }

    public var page: PageRequest
    /// Substring of the name, case-insensitive.
    public var search: String?
    public var sortField: SortField
    public var order: SortOrder
    /// Include archived currencies (ignored when `archived` is set).
    public var includeArchived: Bool
    /// Only archived (true) or only active (false) currencies.
    public var archived: Bool?
    /// Only the default (true) or only non-default (false) currencies.
    public var isDefault: Bool?

    /// A query.
    public init(
        page: PageRequest, search: String? = nil, sortField: SortField = .createdAt, order: SortOrder = .ascending,
        includeArchived: Bool = false, archived: Bool? = nil, isDefault: Bool? = nil
    ) {
        self.page = page
        self.search = search
        self.sortField = sortField
        self.order = order
        self.includeArchived = includeArchived
        self.archived = archived
        self.isDefault = isDefault
    }
}

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

/// One page of a member's journal, newest first.
public struct JournalPage: Sendable, Equatable {
    public let entries: [JournalEntry]
    /// Pass as `before` to get the next (older) page; nil on the last page.
    public let nextCursor: String?

    public init(entries: [JournalEntry], nextCursor: String?) {
        self.entries = entries
        self.nextCursor = nextCursor
    }
}
