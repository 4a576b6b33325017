/// What `tally export` asks a store for.
public struct ExportSelection: Sendable, Equatable {
    /// One realm, or every realm.
    public var realm: RealmID?
    /// Whether to include every journal entry.
    public var journal: Bool
    /// Whether to include API keys (only their secrets' hashes are stored). Admin keys, which
    /// belong to no realm, come only when every realm is exported.
    public var keys: Bool

    public init(realm: RealmID? = nil, journal: Bool = false, keys: Bool = false) {
        self.realm = realm
        self.journal = journal
        self.keys = keys
    }
}
