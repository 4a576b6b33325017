/// The storage contract. Every backend (SQLite, PostgreSQL) implements it and passes the same
/// conformance suite (`TallyStoreConformance`).
///
/// Error contract, for every method: operating errors are thrown as `TallyError` with a stable
/// code; a storage failure (disk full, database locked too long, connection lost) is thrown as
/// `TallyError.unavailable`, with the cause logged and never shown to clients. Each method is one
/// database transaction: it either happens whole or not at all.
public protocol LedgerStore: Sendable {
    /// Brings the schema up to date. Safe to call on every start.
    func migrate() async throws

    /// Creates a realm.
    func createRealm(name: String) async throws -> Realm
    /// The realm, or nil.
    func realm(_ id: RealmID) async throws -> Realm?
    /// Every realm, oldest first.
    func realms() async throws -> [Realm]

    /// Creates a currency. With `isDefault`, clears the flag on the realm's other currencies in
    /// the same transaction. Throws `Not Found` for an unknown realm.
    func createCurrency(_ draft: CurrencyDraft, in realm: RealmID) async throws -> Currency
    /// The realm's currencies, oldest first.
    func currencies(in realm: RealmID) async throws -> [Currency]

    /// Creates a member. Throws `CONFLICT` when a credential is taken in the realm.
    func createMember(_ credentials: Credentials, in realm: RealmID) async throws -> Member
    /// Creates many members in one transaction, all or nothing; `progress` receives the count
    /// inserted so far from time to time. Throws `CONFLICT` naming the first clashing row.
    func importMembers(
        _ rows: [Credentials], in realm: RealmID, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> [Member]

    /// The realm's first `limit` members, oldest first.
    func members(in realm: RealmID, limit: Int) async throws -> [Member]

    /// Applies a batch atomically and durably: every change is journaled and every balance
    /// updated, or (on the first failing change, per `BatchPlanner`) nothing is written at all.
    /// Returns only after the commit is durable under the store's durability setting.
    func apply(_ batch: Batch) async throws -> BatchReceipt
    /// The current balance (0 when never touched).
    func balance(_ key: BalanceKey, in realm: RealmID) async throws -> Int64

    /// A member's journal entries, newest first, at most `limit`.
    func journal(of member: MemberID, in realm: RealmID, limit: Int) async throws -> [JournalEntry]

    /// Stores a new key (the caller made its id and secret; only the hash arrives here).
    /// Throws `Not Found` when the key names an unknown realm.
    func insertKey(_ key: APIKey) async throws
    /// The key, or nil.
    func key(_ id: KeyID) async throws -> APIKey?
    /// Keys of one realm, or all keys when `realm` is nil, oldest first.
    func keys(in realm: RealmID?) async throws -> [APIKey]
    /// Marks a key revoked (idempotent) and returns it. Throws `Not Found` for an unknown id.
    func revokeKey(_ id: KeyID) async throws -> APIKey

    /// Checks every invariant of SPEC section 5 over the whole database, reading a consistent
    /// snapshot. `progress` receives the number of journal entries checked so far.
    func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport
}
