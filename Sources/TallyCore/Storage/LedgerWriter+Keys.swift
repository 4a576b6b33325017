/// A key just created, with the secret that is shown only this once.
public struct IssuedKey: Sendable {
    /// The stored key (hash only).
    public let key: APIKey
    /// The secret to hand to the operator.
    public let secret: KeySecret
}

extension LedgerWriter {
    /// Makes a key id and secret, stores only the secret's hash (one `perform`), and returns
    /// both. Throws `Not Found` for an unknown realm and `VALIDATION_ERROR` for a bad name.
    ///
    /// - Parameters:
    ///   - realm: the realm the key acts on; nil for an admin key.
    ///   - scopes: what it may do; a realm key gets every scope when nil.
    public func issueKey(
        realm: RealmID?, name: String?, scopes: Set<Scope>? = nil, ids: IDGenerator, clock: TallyClock = .system
    ) async throws -> IssuedKey {
        let id: KeyID = ids.make()
        let secret = KeySecret(keyID: id)
        let key = APIKey(
            id: id, realmID: realm, name: name,
            scopes: realm == nil ? Set(Scope.allCases) : (scopes ?? Set(Scope.allCases)),
            secretHash: secret.hash, createdAtMilliseconds: clock.now.millisecondsSince1970,
            revokedAtMilliseconds: nil)
        return IssuedKey(key: try await performed(.createKey(key)).key, secret: secret)
    }
}
