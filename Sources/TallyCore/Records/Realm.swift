/// A tenant: one community, with its own members, currencies and keys.
public struct Realm: Sendable, Equatable {
    /// The realm's id.
    public let id: RealmID
    /// Its display name.
    public let name: String
    /// A sentence about it (may be empty).
    public let description: String
    /// Its short handle, unique across realms when set.
    public let subdomain: String?
    /// Milliseconds since 1970 when it was created.
    public let createdAtMilliseconds: Int64
    /// Milliseconds since 1970 when it last changed.
    public let updatedAtMilliseconds: Int64
    /// Whether anyone may read its leaderboards at `/leaderboard/{realmId}`, without a key
    /// (docs/CONSOLE.md). Off until an operator switches it on.
    public let publicLeaderboard: Bool

    /// A realm as stored.
    public init(
        id: RealmID, name: String, description: String = "", subdomain: String? = nil, createdAtMilliseconds: Int64,
        updatedAtMilliseconds: Int64? = nil, publicLeaderboard: Bool = false
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.subdomain = subdomain
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds ?? createdAtMilliseconds
        self.publicLeaderboard = publicLeaderboard
    }
}

/// What it takes to create a realm.
public struct RealmDraft: Sendable, Equatable {
    /// Display name (required).
    public var name: String
    /// Optional description.
    public var description: String
    /// Optional short handle: lowercase letters, digits and dashes, unique across realms.
    public var subdomain: String?

    /// A draft.
    public init(name: String, description: String = "", subdomain: String? = nil) {
        self.name = name
        self.description = description
        self.subdomain = subdomain
    }

    /// Checks every field.
    public func validate(limits: Limits) throws(TallyError) {
        try Validation.name(name, field: "name", limits: limits)
        guard description.count <= 2_000 else { throw .validation("description must be at most 2000 characters.") }
        if let subdomain {
            let allowed = subdomain.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-")
            }
            guard (1...63).contains(subdomain.utf8.count), allowed else {
                throw .validation("subdomain must be 1 to 63 lowercase letters, digits or dashes.")
            }
        }
    }
}
