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
