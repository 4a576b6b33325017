/// New members and their opening balances as a `LoadSource` (`tally member import`): first the
/// realm, which must exist, then for each batch of rows its members, the opening entries of
/// their balances and the balances themselves, so a store writes the whole import in one
/// transaction, a chunk at a time, and memory holds one chunk whatever the number of rows.
///
/// Each member gets a fresh id and joins at `now` (`Member.joining`, as `member create`); each
/// balance that is not 0 gets an opening entry (`OpeningBalances`), all in one batch, with the
/// balance stored as of `now`. The rows come checked (`Row` cannot be made otherwise); what
/// only the database can tell (a credential another member has) fails the load, naming the
/// row's line.
public final class MemberImport: LoadSource, @unchecked Sendable {
    // One load pulls from one task at a time (`LoadSource`); nothing here is shared beyond it.

    /// One row of an import: a new member's credentials, validated, and its balances, each
    /// within its currency's floor and ceiling, with the line of the file it came from.
    public struct Row: Sendable, Equatable {
        /// The member's credentials, validated.
        public let credentials: Credentials
        /// Its balances that are not 0.
        public let balances: [Balance]
        /// The line of the file.
        public let line: Int

        /// A balance of the row.
        public struct Balance: Sendable, Equatable {
            public let currencyID: CurrencyID
            public let amount: Int64
        }

        /// Validates `credentials` (as `member create` does) and checks each balance against its
        /// currency's floor and ceiling, in order; a balance of 0 is no balance. The error does
        /// not name the line: the reader words it for its file.
        public init(
            credentials: Credentials, balances: [(currency: Currency, amount: Int64)] = [], line: Int,
            limits: Limits = .standard
        ) throws(TallyError) {
            self.credentials = try credentials.validated(limits: limits)
            var checked = [Balance]()
            for (currency, amount) in balances where amount != 0 {
                try OpeningBalances.check(
                    amount, minimum: currency.minimumBalance, maximum: currency.maximumBalance,
                    subject: "the \(currency.name) balance", currency: currency.name)
                checked.append(Balance(currencyID: currency.id, amount: amount))
            }
            self.balances = checked
            self.line = line
        }
    }

    /// Rows per chunk that readers are asked for by default: a few megabytes of records.
    public static let chunkRows = 5_000

    private let realm: RealmID
    private let ids: IDGenerator
    private let now: Int64
    private var openings: OpeningBalances
    private let rows: () throws -> [Row]?
    private let created: ([Lined<Member>]) throws -> Void
    private var startedRealm = false
    private var pending: [LoadChunk] = []

    /// An import into `realm` of the rows `rows` hands over, a batch per call, until it returns
    /// nil. Members get ids from `ids` and join at `now`; opening entries name `initiatorID`.
    /// `created` hears each batch's members as they are handed to the store (before they are
    /// written, so a failed load may have told it of members it then undid).
    public init(
        realm: RealmID, ids: IDGenerator, now: Int64, initiatorID: String?, rows: @escaping () throws -> [Row]?,
        created: @escaping ([Lined<Member>]) throws -> Void = { _ in }
    ) {
        self.realm = realm
        self.ids = ids
        self.now = now
        self.openings = OpeningBalances(realm: realm, ids: ids, now: now, initiatorID: initiatorID)
        self.rows = rows
        self.created = created
    }

    /// The batch of the opening entries, once one was made.
    public var batchID: BatchID? { openings.batchID }

    public func next() throws -> LoadChunk? {
        guard startedRealm else {
            startedRealm = true
            return .existingRealm(realm)
        }
        while pending.isEmpty {
            guard let batch = try rows() else { return nil }
            try add(batch)
        }
        return pending.removeFirst()
    }

    /// Makes the members, entries and balances of `batch` and queues them as chunks.
    private func add(_ batch: [Row]) throws {
        guard !batch.isEmpty else { return }
        var members = [Lined<Member>]()
        members.reserveCapacity(batch.count)
        var entries = [Lined<JournalEntry>]()
        var balances = [Lined<StoredBalance>]()
        for row in batch {
            let member = Member.joining(realm, credentials: row.credentials, ids: ids, now: now)
            members.append(Lined(member, line: row.line))
            for balance in row.balances {
                entries.append(
                    Lined(
                        openings.entry(balance.amount, member: member.id, currency: balance.currencyID),
                        line: row.line))
                balances.append(
                    Lined(
                        StoredBalance(
                            realmID: realm, memberID: member.id, currencyID: balance.currencyID,
                            balance: balance.amount, updatedAtMilliseconds: now),
                        line: row.line))
            }
        }
        try created(members)
        pending.append(.members(members))
        if !entries.isEmpty {
            pending.append(.entries(entries))
            pending.append(.balances(balances))
        }
    }
}
