/// A tenant: one community, with its own members, currencies and keys.
public struct Realm: Sendable, Equatable {
    /// The realm's id.
    public let id: RealmID
    /// Its display name.
    public let name: String
    /// Milliseconds since 1970 when it was created.
    public let createdAtMilliseconds: Int64

    /// A realm as stored.
    public init(id: RealmID, name: String, createdAtMilliseconds: Int64) {
        self.id = id
        self.name = name
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}
