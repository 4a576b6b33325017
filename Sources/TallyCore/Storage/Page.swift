/// One page of an offset-paginated list (DRIP's `page`/`limit` style).
public struct Page<Item: Sendable>: Sendable {
    /// The items of this page.
    public let items: [Item]
    /// How many items match in all.
    public let total: Int
    /// The 1-based page number.
    public let page: Int
    /// The page size asked for.
    public let limit: Int

    /// A page.
    public init(items: [Item], total: Int, page: Int, limit: Int) {
        self.items = items
        self.total = total
        self.page = page
        self.limit = limit
    }

    /// How many pages there are (0 when nothing matches).
    public var totalPages: Int { total == 0 ? 0 : (total + limit - 1) / limit }
}

/// Page number and size, validated against `Limits.pageSizeMax`.
public struct PageRequest: Sendable, Equatable {
    /// 1-based page.
    public let page: Int
    /// Items per page.
    public let limit: Int

    /// Items to skip.
    public var offset: Int { (page - 1) * limit }

    /// Validates `page` (1 to 1,000,000) and `limit` (1 to `limits.pageSizeMax`).
    public init(page: Int = 1, limit: Int = 10, limits: Limits = .standard) throws(TallyError) {
        guard (1...1_000_000).contains(page) else { throw .validation("page must be an integer from 1 to 1000000.") }
        guard (1...limits.pageSizeMax).contains(limit) else {
            throw .validation("limit must be an integer from 1 to \(limits.pageSizeMax).")
        }
        self.page = page
        self.limit = limit
    }
}

/// Sort direction.
public enum SortOrder: String, Sendable, CaseIterable {
    case ascending = "asc"
    case descending = "desc"
}
