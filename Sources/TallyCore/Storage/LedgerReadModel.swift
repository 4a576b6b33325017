/// The read side of the storage contract: realms, currencies, members, balances and journals as
/// clients see them.
///
/// Each read is one read transaction: it sees one consistent snapshot and never waits for
/// writers. A storage failure is `TallyError.unavailable`; any other error is stated below.
///
/// Not found: a read of one thing a route names (`realm`, `currency`, `memberDetails`, and the
/// member whose `journal` is read) returns it or throws `Not Found` with the sentence of
/// `TallyError.realmNotFound` or `notFound(_:in:)`, the realm's first when both are missing. It
/// never answers nil, so no caller reads again to word the error.
public protocol LedgerReadModel: Sendable {
    /// The realm; `Not Found` when it does not exist.
    func realm(_ id: RealmID) async throws -> Realm
    /// Every realm, oldest first.
    func realms() async throws -> [Realm]

    /// The currency; `Not Found` when it or the realm does not exist (another realm's currency
    /// does not exist in this one).
    func currency(_ id: CurrencyID, in realm: RealmID) async throws -> Currency
    /// The realm's currencies, archived ones included, oldest first (none for an unknown realm).
    func currencies(in realm: RealmID) async throws -> [Currency]
    /// One page of the realm's currencies. Throws `Not Found` for an unknown realm.
    func listCurrencies(in realm: RealmID, query: CurrencyQuery) async throws -> Page<Currency>

    /// The member with its balances; `Not Found` when it or the realm does not exist.
    func memberDetails(_ id: MemberID, in realm: RealmID) async throws -> MemberDetails
    /// One page of the realm's members with their balances. Throws `Not Found` for an unknown
    /// realm.
    func listMembers(in realm: RealmID, query: MemberQuery) async throws -> Page<MemberDetails>
    /// Members whose credential of `kind` matches one of `values` (as `CredentialMatching`
    /// compares them: emails and EVM addresses in any case, everything else exactly), in id order.
    /// Throws `Not Found` for an unknown realm.
    func searchMembers(in realm: RealmID, kind: SearchKind, values: [String], page: PageRequest) async throws
        -> Page<MemberDetails>
    /// The first member (oldest) whose credential of `kind` matches `value`, in `realm` or, when
    /// nil, in any realm; nil when there is none.
    func findAccount(kind: SearchKind, value: String, in realm: RealmID?) async throws -> MemberID?
    /// The realm's members ranked by balance in a currency (the default when nil), after a cursor.
    /// Throws `Not Found` for an unknown realm, and `CURRENCY_NOT_FOUND` for an unknown currency
    /// or when there is no default.
    func leaderboard(in realm: RealmID, currency: CurrencyID?, after: LeaderboardCursor?, take: Int) async throws
        -> LeaderboardPage

    /// The credential named by `identity`, with the balances it addresses (its own while a ghost,
    /// its member's once linked). `CREDENTIAL_NOT_FOUND` when there is none; `Not Found` for an
    /// unknown realm.
    func credentialDetails(_ identity: CredentialIdentity, in realm: RealmID) async throws -> CredentialDetails

    /// The current balance (0 when never touched).
    func balance(_ key: BalanceKey, in realm: RealmID) async throws -> Int64
    /// A member's journal entries, newest first: at most `limit`, older than the entry with
    /// sequence `before` when given. `Not Found` when the member or the realm does not exist.
    func journal(of member: MemberID, in realm: RealmID, before: Int64?, limit: Int) async throws -> JournalPage

    /// Up to `limit` of the realm's events with a sequence number above `after`, in sequence
    /// order; only those of `types` when given. Every event it returns committed, and no event
    /// numbered lower than the last one returned can appear later (docs/EVENTS.md). Throws
    /// `Not Found` for an unknown realm.
    func events(in realm: RealmID, after: Int64, limit: Int, types: Set<EventType>?) async throws -> [Event]

    /// The realm's member count and its activity per hour and currency from the hour that
    /// `since` (milliseconds since 1970) falls in, as kept while writes commit: no count of the
    /// members or the journal. Every committed write is in it (as in `leaderboard`). Throws
    /// `Not Found` for an unknown realm.
    func overview(of realm: RealmID, since: Int64) async throws -> RealmOverview
}

extension LedgerReadModel {
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
