/// An account that belongs to a realm. Its id is the DRIP `dripId`.
public struct Member: Sendable, Equatable {
    /// The member's id (`dripId`).
    public let id: MemberID
    /// The realm it belongs to.
    public let realmID: RealmID
    /// Its external identities.
    public let credentials: Credentials
    /// Custom data a client stored on it.
    public let metadata: JSONValue?
    /// Milliseconds since 1970 when it joined.
    public let createdAtMilliseconds: Int64
    /// Milliseconds since 1970 when it last changed (not counting balances).
    public let updatedAtMilliseconds: Int64

    /// A member as stored.
    public init(
        id: MemberID, realmID: RealmID, credentials: Credentials, metadata: JSONValue? = nil,
        createdAtMilliseconds: Int64, updatedAtMilliseconds: Int64? = nil
    ) {
        self.id = id
        self.realmID = realmID
        self.credentials = credentials
        self.metadata = metadata
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds ?? createdAtMilliseconds
    }
}

extension Member {
    /// A member joining `realm` now: a fresh id from `ids`, `credentials` as given (validated by
    /// the caller), joined and last changed at `now`. How `member create` and `member import`
    /// make their members.
    public static func joining(
        _ realm: RealmID, credentials: Credentials, metadata: JSONValue? = nil, ids: IDGenerator, now: Int64
    ) -> Member {
        Member(id: ids.make(), realmID: realm, credentials: credentials, metadata: metadata, createdAtMilliseconds: now)
    }
}

/// A member with its balances, as the member routes show it.
public struct MemberDetails: Sendable, Equatable {
    /// The member.
    public let member: Member
    /// Its balance in each currency it has ever held, oldest currency first.
    public let balances: [HeldBalance]

    /// Details.
    public init(member: Member, balances: [HeldBalance]) {
        self.member = member
        self.balances = balances
    }
}

/// One balance with the currency it is in.
public struct HeldBalance: Sendable, Equatable {
    /// The currency.
    public let currency: Currency
    /// The balance.
    public let balance: Int64

    /// A held balance.
    public init(currency: Currency, balance: Int64) {
        self.currency = currency
        self.balance = balance
    }
}
