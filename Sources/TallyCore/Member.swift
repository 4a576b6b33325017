/// An account that belongs to a realm. Its id is the DRIP `dripId`.
public struct Member: Sendable, Equatable {
    /// The member's id (`dripId`).
    public let id: MemberID
    /// The realm it belongs to.
    public let realmID: RealmID
    /// Its external identities.
    public let credentials: Credentials
    /// Milliseconds since 1970 when it joined.
    public let createdAtMilliseconds: Int64

    /// A member as stored.
    public init(id: MemberID, realmID: RealmID, credentials: Credentials, createdAtMilliseconds: Int64) {
        self.id = id
        self.realmID = realmID
        self.credentials = credentials
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}
