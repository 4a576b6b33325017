/// A key just created, with the secret that is shown only this once.
public struct IssuedKey: Sendable {
    /// The stored key (hash only).
    public let key: APIKey
    /// The secret to hand to the operator.
    public let secret: KeySecret
}

extension LedgerStore {
    /// Makes a key id and secret, stores only the secret's hash, and returns both.
    ///
    /// - Parameters:
    ///   - realm: the realm the key acts on; nil for an admin key.
    ///   - scopes: what it may do; a realm key gets every scope when nil.
    public func issueKey(
        realm: RealmID?, name: String?, scopes: Set<Scope>? = nil, ids: IDGenerator, clock: TallyClock = .system
    ) async throws -> IssuedKey {
        if let name { try Validation.name(name, field: "name", limits: .standard) }
        let id: KeyID = ids.make()
        let secret = KeySecret(keyID: id)
        let key = APIKey(
            id: id, realmID: realm, name: name,
            scopes: realm == nil ? Set(Scope.allCases) : (scopes ?? Set(Scope.allCases)),
            secretHash: secret.hash, createdAtMilliseconds: clock.now.millisecondsSince1970,
            revokedAtMilliseconds: nil)
        try await insertKey(key)
        return IssuedKey(key: key, secret: secret)
    }
}
