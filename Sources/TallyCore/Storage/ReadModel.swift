/// How a store turns the rows of a read into the read model: the arithmetic of pages and the
/// grouping of balances, the same for every store.
extension Page {
    /// The page `request` asked for, of `total` matching items.
    public init(items: [Item], total: Int, request: PageRequest) {
        self.init(items: items, total: total, page: request.page, limit: request.limit)
    }
}

extension JournalPage {
    /// The rows a store fetches for a page of `limit`: one more, which only tells whether an
    /// older page follows.
    public static func rowsToFetch(limit: Int) -> Int { limit + 1 }

    /// The page from the entries fetched, newest first (at most `rowsToFetch(limit:)`); its
    /// cursor is the sequence of its last entry when more follow.
    public init(fetched: [JournalEntry], limit: Int) {
        precondition(fetched.count <= Self.rowsToFetch(limit: limit), "more rows than a page reads")
        let page = Array(fetched.prefix(limit))
        self.init(entries: page, nextCursor: fetched.count > limit ? page.last.map { String($0.sequence) } : nil)
    }
}

extension MemberDetails {
    /// Each member, in the order given, with its held balances, in the order given; `balances`
    /// pairs a member id (as stored) with one balance.
    public static func joining(_ members: [Member], balances: [(memberID: String, held: HeldBalance)])
        -> [MemberDetails]
    {
        var held = [String: [HeldBalance]]()
        for (member, balance) in balances { held[member, default: []].append(balance) }
        return members.map { MemberDetails(member: $0, balances: held[$0.id.rawValue] ?? []) }
    }
}

extension SearchKind {
    /// `value` as the match column holds it (`StoredSchema.matchColumn`): ids are lowercase, and a
    /// credential is its `CredentialMatching.key`.
    public func stored(_ value: String) -> String {
        guard let credential else { return value.lowercased() }
        return CredentialMatching.key(credential, value)
    }
}

extension CurrencyQuery {
    /// Which currencies by archived state: only archived (true), only active (false) or both
    /// (nil). `archived` wins over `includeArchived`.
    public var archivedFilter: Bool? { archived ?? (includeArchived ? nil : false) }
}
