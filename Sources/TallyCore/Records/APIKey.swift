/// An API key as stored: never the secret, only its SHA-256 hash.
public struct APIKey: Sendable, Equatable {
    /// Public id (also embedded in the secret, so lookup needs no scan).
    public let id: KeyID
    /// The realm it acts on; nil for an admin key, which may act on every realm.
    public let realmID: RealmID?
    /// Optional label.
    public let name: String?
    /// What it may do.
    public let scopes: Set<Scope>
    /// SHA-256 of the secret.
    public let secretHash: [UInt8]
    /// Milliseconds since 1970 when it was created.
    public let createdAtMilliseconds: Int64
    /// Milliseconds since 1970 when it was revoked; nil while it is valid.
    public let revokedAtMilliseconds: Int64?

    /// A key as stored.
    public init(
        id: KeyID, realmID: RealmID?, name: String?, scopes: Set<Scope>, secretHash: [UInt8],
        createdAtMilliseconds: Int64, revokedAtMilliseconds: Int64?
    ) {
        self.id = id
        self.realmID = realmID
        self.name = name
        self.scopes = scopes
        self.secretHash = secretHash
        self.createdAtMilliseconds = createdAtMilliseconds
        self.revokedAtMilliseconds = revokedAtMilliseconds
    }

    /// True for an admin key.
    public var isAdmin: Bool { realmID == nil }
    /// True once revoked.
    public var isRevoked: Bool { revokedAtMilliseconds != nil }

    /// Whether this key may act on `realm` with `scope`: admin keys may do anything.
    public func permits(_ scope: Scope, on realm: RealmID) -> Bool {
        guard let own = realmID else { return true }
        return own == realm && scopes.contains(scope)
    }
}
