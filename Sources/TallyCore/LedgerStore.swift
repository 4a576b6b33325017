/// The storage contract. Every backend (SQLite, PostgreSQL) implements it and passes the same
/// conformance suite (`TallyStoreConformance`).
///
/// Error contract, for every method: operating errors are thrown as `TallyError` with a stable
/// code; a storage failure (disk full, database locked too long, connection lost) is thrown as
/// `TallyError.unavailable`, with the cause logged and never shown to clients. Each method is one
/// database transaction: it either happens whole or not at all. Methods that take a realm throw
/// `Not Found` when it does not exist.
///
/// Not found, for reads: a read of one thing a route names (`realm`, `currency`,
/// `memberDetails`, and the member whose `journal` is read) returns it or throws `Not Found`
/// with the sentence of `TallyError.realmNotFound`, `unknownCurrency` or `unknownMember`, the
/// realm's first when both are missing. It never answers nil, so no caller reads again to word
/// the error.
public protocol LedgerStore: Sendable {
    /// Brings the schema up to date. Safe to call on every start.
    func migrate() async throws

    // MARK: Realms

    /// Runs one write in one transaction. With a claim, the claim's key is looked up first in
    /// that same transaction: the same request replays the stored response and writes nothing;
    /// a different request under the same key throws `IDEMPOTENCY_KEY_REUSED`; a new key runs the
    /// write, renders the response and stores it before the commit. A failed write stores nothing.
    ///
    /// Write errors: `Not Found` for an unknown realm (or the currency/member a write names,
    /// except in a batch, where those are change failures); `CONFLICT` for a taken credential or
    /// subdomain; the batch codes of `BatchPlanner`; `VALIDATION_ERROR` for currency limits that
    /// would strand a balance.
    func perform(_ write: LedgerWrite, idempotency: IdempotencyClaim?) async throws -> WriteOutcome
    /// Deletes idempotency records created before `cutoffMilliseconds`, at most `limit` of them
    /// in one short transaction, and returns how many went.
    func pruneIdempotencyRecords(before cutoffMilliseconds: Int64, limit: Int) async throws -> Int

    /// The realm; `Not Found` when it does not exist.
    func realm(_ id: RealmID) async throws -> Realm
    /// Every realm, oldest first.
    func realms() async throws -> [Realm]

    // MARK: Currencies

    /// The currency; `Not Found` when it or the realm does not exist (another realm's currency
    /// does not exist in this one).
    func currency(_ id: CurrencyID, in realm: RealmID) async throws -> Currency
    /// The realm's currencies, archived ones included, oldest first.
    func currencies(in realm: RealmID) async throws -> [Currency]
    /// One page of the realm's currencies.
    func listCurrencies(in realm: RealmID, query: CurrencyQuery) async throws -> Page<Currency>

    // MARK: Members

    /// Creates many members in one transaction, all or nothing; `progress` receives the count
    /// inserted so far from time to time. Throws `CONFLICT` naming the first clashing row.
    func importMembers(
        _ rows: [Credentials], in realm: RealmID, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> [Member]
    /// The member with its balances; `Not Found` when it or the realm does not exist.
    func memberDetails(_ id: MemberID, in realm: RealmID) async throws -> MemberDetails
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
    /// sequence `before` when given. `Not Found` when the member or the realm does not exist.
    func journal(of member: MemberID, in realm: RealmID, before: Int64?, limit: Int) async throws -> JournalPage

    // MARK: Keys

    /// Stores a new key (the caller made its id and secret; only the hash arrives here).
    func insertKey(_ key: APIKey) async throws
    /// The key, or nil.
    func key(_ id: KeyID) async throws -> APIKey?
    /// Keys of one realm, or all keys when `realm` is nil, oldest first.
    func keys(in realm: RealmID?) async throws -> [APIKey]
    /// Marks a key revoked (idempotent) and returns it. Throws `Not Found` for an unknown id.
    func revokeKey(_ id: KeyID) async throws -> APIKey

    // MARK: Verification

    /// Checks every invariant of SPEC section 5 over the whole database, reading a consistent
    /// snapshot. `progress` receives the number of journal entries checked so far.
    func verify(progress: @escaping @Sendable (Int) -> Void) async throws -> VerifyReport
}

/// The single-purpose writes, each `perform` without an idempotency claim.
extension LedgerStore {
    /// Applies a batch atomically and durably: every change is journaled and every balance
    /// updated, or (on the first failing change, per `BatchPlanner`) nothing is written at all.
    /// Returns only after the commit is durable under the store's durability setting.
    public func apply(_ batch: Batch) async throws -> BatchReceipt {
        guard case .performed(.receipt(let receipt), _) = try await perform(.apply(batch), idempotency: nil) else {
            preconditionFailure("apply must produce a receipt")
        }
        return receipt
    }

    /// Creates a realm. Throws `CONFLICT` when the subdomain is taken.
    public func createRealm(_ draft: RealmDraft) async throws -> Realm {
        guard case .performed(.realm(let realm), _) = try await perform(.createRealm(draft), idempotency: nil) else {
            preconditionFailure("createRealm must produce a realm")
        }
        return realm
    }

    /// Creates a currency. With `isDefault`, clears the flag on the realm's other currencies.
    public func createCurrency(_ draft: CurrencyDraft, in realm: RealmID) async throws -> Currency {
        try await currencyWrite(.createCurrency(draft, realm: realm))
    }

    /// Changes a currency. Throws `Not Found` for an unknown currency, and `VALIDATION_ERROR` when
    /// new limits would put an existing balance out of range.
    public func updateCurrency(_ id: CurrencyID, in realm: RealmID, patch: CurrencyPatch) async throws -> Currency {
        try await currencyWrite(.updateCurrency(id, realm: realm, patch: patch))
    }

    /// Archives (clearing its default flag) or unarchives a currency; idempotent.
    public func setCurrencyArchived(_ id: CurrencyID, in realm: RealmID, archived: Bool) async throws -> Currency {
        try await currencyWrite(.setCurrencyArchived(id, realm: realm, archived: archived))
    }

    private func currencyWrite(_ write: LedgerWrite) async throws -> Currency {
        guard case .performed(.currency(let currency), _) = try await perform(write, idempotency: nil) else {
            preconditionFailure("a currency write must produce a currency")
        }
        return currency
    }

    /// Creates a member. Throws `CONFLICT` when a credential is taken in the realm.
    public func createMember(_ credentials: Credentials, metadata: JSONValue?, in realm: RealmID) async throws -> Member
    {
        guard
            case .performed(.member(let member), _) = try await perform(
                .createMember(credentials, metadata: metadata, realm: realm), idempotency: nil)
        else { preconditionFailure("createMember must produce a member") }
        return member
    }

    /// Replaces a member's metadata. Throws `Not Found` for an unknown member.
    public func setMemberMetadata(_ metadata: JSONValue, of member: MemberID, in realm: RealmID) async throws {
        _ = try await perform(.setMemberMetadata(metadata, member: member, realm: realm), idempotency: nil)
    }

    /// Creates a realm with just a name.
    public func createRealm(name: String) async throws -> Realm { try await createRealm(RealmDraft(name: name)) }

    /// Creates a member without metadata.
    public func createMember(_ credentials: Credentials, in realm: RealmID) async throws -> Member {
        try await createMember(credentials, metadata: nil, in: realm)
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
