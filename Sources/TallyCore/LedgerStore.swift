/// The storage contract. Every backend (SQLite, PostgreSQL) implements it and passes the same
/// conformance suite (`TallyStoreConformance`).
///
/// Error contract, for every method: operating errors are thrown as `TallyError` with a stable
/// code; a storage failure (disk full, database locked too long, connection lost) is thrown as
/// `TallyError.unavailable`, with the cause logged and never shown to clients. Each method is one
/// database transaction: it either happens whole or not at all. Methods that take a realm throw
/// `Not Found` when it does not exist.
public protocol LedgerStore: Sendable {
    /// Brings the schema up to date. Safe to call on every start.
    func migrate() async throws

    // MARK: Realms

    /// Runs one write in one transaction. With a claim, the claim's key is looked up first in
    /// that same transaction: the same request replays the stored response and writes nothing;
    /// a different request under the same key throws `IDEMPOTENCY_KEY_REUSED`; a new key runs the
    /// write, renders the response and stores it before the commit. A failed write stores nothing.
    ///
    /// Write errors: `Not Found` for an unknown realm (or the currency, member or key a write
    /// names, except in a batch, where those are change failures); `CONFLICT` for a taken
    /// credential (naming the first clashing row of an import) or subdomain; the batch codes of
    /// `BatchPlanner`; `VALIDATION_ERROR` for currency limits that would strand a balance.
    func perform(_ write: LedgerWrite, idempotency: IdempotencyClaim?) async throws -> WriteOutcome
    /// Deletes idempotency records created before `cutoffMilliseconds`, at most `limit` of them
    /// in one short transaction, and returns how many went.
    func pruneIdempotencyRecords(before cutoffMilliseconds: Int64, limit: Int) async throws -> Int

    /// The realm, or nil.
    func realm(_ id: RealmID) async throws -> Realm?
    /// Every realm, oldest first.
    func realms() async throws -> [Realm]

    // MARK: Currencies

    /// The currency, or nil (also nil for another realm's currency).
    func currency(_ id: CurrencyID, in realm: RealmID) async throws -> Currency?
    /// The realm's currencies, archived ones included, oldest first.
    func currencies(in realm: RealmID) async throws -> [Currency]
    /// One page of the realm's currencies.
    func listCurrencies(in realm: RealmID, query: CurrencyQuery) async throws -> Page<Currency>

    // MARK: Members

    /// The member with its balances, or nil.
    func memberDetails(_ id: MemberID, in realm: RealmID) async throws -> MemberDetails?
    /// One page of the realm's members with their balances.
    func listMembers(in realm: RealmID, query: MemberQuery) async throws -> Page<MemberDetails>
    /// Members whose credential of `kind` equals one of `values` (exact match), oldest first.
    func searchMembers(in realm: RealmID, kind: SearchKind, values: [String], page: PageRequest) async throws
        -> Page<MemberDetails>
    /// The first member (oldest) whose credential of `kind` equals `value`, in `realm` or, when
    /// nil, in any realm.
    func findAccount(kind: SearchKind, value: String, in realm: RealmID?) async throws -> MemberID?
    /// The realm's members ranked by balance in a currency (the default when nil), after a cursor.
    /// Throws `CURRENCY_NOT_FOUND` for an unknown currency or when there is no default.
    func leaderboard(in realm: RealmID, currency: CurrencyID?, after: LeaderboardCursor?, take: Int) async throws
        -> LeaderboardPage

    // MARK: Balances

    /// The current balance (0 when never touched).
    func balance(_ key: BalanceKey, in realm: RealmID) async throws -> Int64
    /// A member's journal entries, newest first: at most `limit`, older than the entry with
    /// sequence `before` when given.
    func journal(of member: MemberID, in realm: RealmID, before: Int64?, limit: Int) async throws -> JournalPage

    // MARK: Keys

    /// The key, or nil.
    func key(_ id: KeyID) async throws -> APIKey?
    /// Keys of one realm, or all keys when `realm` is nil, oldest first.
    func keys(in realm: RealmID?) async throws -> [APIKey]

    // MARK: Verification

    /// Checks every invariant of SPEC section 5 over the whole database, reading a consistent
    /// snapshot. `progress` receives the number of journal entries checked so far.
    func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport
}

/// The single-purpose writes, each one `perform` without an idempotency claim, with its errors.
extension LedgerStore {
    /// Applies a batch atomically and durably: every change is journaled and every balance
    /// updated, or (on the first failing change, per `BatchPlanner`) nothing is written at all.
    /// Returns only after the commit is durable under the store's durability setting.
    public func apply(_ batch: Batch) async throws -> BatchReceipt {
        try await performed(.apply(batch)).receipt
    }

    /// Creates a realm. Throws `CONFLICT` when the subdomain is taken.
    public func createRealm(_ draft: RealmDraft) async throws -> Realm {
        try await performed(.createRealm(draft)).realm
    }

    /// Creates a currency. With `isDefault`, clears the flag on the realm's other currencies.
    public func createCurrency(_ draft: CurrencyDraft, in realm: RealmID) async throws -> Currency {
        try await performed(.createCurrency(draft, realm: realm)).currency
    }

    /// Changes a currency. Throws `Not Found` for an unknown currency, and `VALIDATION_ERROR` when
    /// new limits would put an existing balance out of range.
    public func updateCurrency(_ id: CurrencyID, in realm: RealmID, patch: CurrencyPatch) async throws -> Currency {
        try await performed(.updateCurrency(id, realm: realm, patch: patch)).currency
    }

    /// Archives (clearing its default flag) or unarchives a currency; idempotent.
    public func setCurrencyArchived(_ id: CurrencyID, in realm: RealmID, archived: Bool) async throws -> Currency {
        try await performed(.setCurrencyArchived(id, realm: realm, archived: archived)).currency
    }

    /// Creates a member. Throws `CONFLICT` when a credential is taken in the realm.
    public func createMember(_ credentials: Credentials, metadata: JSONValue?, in realm: RealmID) async throws -> Member
    {
        try await performed(.createMember(credentials, metadata: metadata, realm: realm)).member
    }

    /// Creates a member without metadata.
    public func createMember(_ credentials: Credentials, in realm: RealmID) async throws -> Member {
        try await createMember(credentials, metadata: nil, in: realm)
    }

    /// Replaces a member's metadata. Throws `Not Found` for an unknown member.
    public func setMemberMetadata(_ metadata: JSONValue, of member: MemberID, in realm: RealmID) async throws {
        _ = try await performed(.setMemberMetadata(metadata, member: member, realm: realm))
    }

    /// Creates a realm with just a name.
    public func createRealm(name: String) async throws -> Realm { try await createRealm(RealmDraft(name: name)) }

    /// Creates many members in one transaction of their own, all or nothing; `progress` receives
    /// the count inserted so far from time to time. Throws `CONFLICT` naming the first clashing
    /// row.
    public func importMembers(
        _ rows: [Credentials], in realm: RealmID, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> [Member] {
        try await performed(.importMembers(rows, realm: realm, progress: progress)).members
    }

    /// Marks a key revoked (keeping the first revocation time) and returns it. Throws
    /// `Not Found` for an unknown id.
    public func revokeKey(_ id: KeyID) async throws -> APIKey {
        try await performed(.revokeKey(id)).key
    }

    /// The result of `write` performed without a claim (which can only be performed, never
    /// replayed).
    func performed(_ write: LedgerWrite) async throws -> LedgerWriteResult {
        guard case .performed(let result, _) = try await perform(write, idempotency: nil) else {
            preconditionFailure("a write without an idempotency claim cannot be a replay")
        }
        return result
    }

    /// The newest `limit` journal entries of a member.
    public func journal(of member: MemberID, in realm: RealmID, limit: Int) async throws -> [JournalEntry] {
        try await journal(of: member, in: realm, before: nil, limit: limit).entries
    }

    /// The realm's first `limit` members, oldest first.
    public func members(in realm: RealmID, limit: Int) async throws -> [Member] {
        try await listMembers(
            in: realm,
            query: MemberQuery(page: try PageRequest(page: 1, limit: limit, limits: Limits(pageSizeMax: max(limit, 1))))
        )
        .items.map(\.member)
    }
}
