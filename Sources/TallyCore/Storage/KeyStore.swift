/// The key lookups of the storage contract, what authentication and the key commands read. Keys
/// are written through `LedgerWriter.perform` (`.createKey`, `.revokeKey`).
///
/// Each lookup is one read; a storage failure is `TallyError.unavailable`.
public protocol KeyStore: Sendable {
    /// The key, or nil.
    func key(_ id: KeyID) async throws -> APIKey?
    /// Keys of one realm, or all keys when `realm` is nil, oldest first.
    func keys(in realm: RealmID?) async throws -> [APIKey]
}
