/// The write side of the storage contract: every change to a ledger goes through `perform`, one
/// transaction per write (a store may commit several writes together, but each one applies
/// whole or not at all, and a failing one leaves nothing of itself behind).
///
/// Errors: operating errors are `TallyError` with a stable code; a storage failure (disk full,
/// database locked too long, connection lost) is `TallyError.unavailable`, with the cause logged
/// and never shown to clients.
public protocol LedgerWriter: Sendable {
    /// Runs one write in one transaction and returns only once it is durable under the store's
    /// durability setting. With a claim, the claim's key is looked up first in that same
    /// transaction: the same request replays the stored response and writes nothing; a different
    /// request under the same key throws `IDEMPOTENCY_KEY_REUSED`; a new key runs the write,
    /// renders the response and stores it before the commit. A failed write stores nothing.
    ///
    /// Write errors: `Not Found` for an unknown realm, and for the currency, member or key a
    /// write names (except in a batch, where those are change failures); `CONFLICT` for a taken
    /// credential or subdomain; the batch codes of `BatchPlanner`; `VALIDATION_ERROR` for invalid
    /// fields and for currency limits that would strand a balance; `UNAVAILABLE` when the store
    /// is overloaded. (Many members at once go through `LedgerLoader.load`.)
    func perform(_ write: LedgerWrite, idempotency: IdempotencyClaim?) async throws -> WriteOutcome

    /// Deletes idempotency records created before `cutoffMilliseconds`, at most `limit` of them,
    /// in one short transaction of its own, and returns how many went. Throws only
    /// `UNAVAILABLE`.
    func pruneIdempotencyRecords(before cutoffMilliseconds: Int64, limit: Int) async throws -> Int
}

/// The single-purpose writes, each one `perform` without an idempotency claim, with its errors.
extension LedgerWriter {
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

    /// Switches the realm's public leaderboard on or off and returns the realm.
    public func setPublicLeaderboard(_ on: Bool, in realm: RealmID) async throws -> Realm {
        try await performed(.setPublicLeaderboard(on, realm: realm)).realm
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
}
