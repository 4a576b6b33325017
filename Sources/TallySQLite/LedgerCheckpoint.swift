import GRDB
import TallyCore

/// The ledger checkpoint (docs/decisions/0009): a batch's commit writes its journal entries but
/// not the balances they leave, nor their rows of the member index (`member_journal`); this
/// brings both up to the journal, in the caller's transaction. Every entry carries its balance after, so each balance touched after
/// `ledger_checkpoint.seq` takes its last entry's balance after, and the checkpoint then covers
/// the whole journal. Running it again changes nothing, and it needs nothing but the database:
/// the writer runs it between groups, opening a database runs it to replay what a crash left,
/// and a backup's copy runs it before it is checked.
enum LedgerCheckpoint {
    /// The journal sequence number the balances table covers, as the database records it.
    static func coveredSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM ledger_checkpoint WHERE id = 1") ?? 0
    }

    /// The highest journal sequence number (0 for an empty journal).
    static func lastSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM journal") ?? 0
    }

    /// Applies the entries after the covered sequence to the balances table and records the new
    /// covered sequence; returns it and how many entries were applied.
    @discardableResult static func run(_ db: Database) throws -> (covered: Int64, entries: Int) {
        let covered = try coveredSequence(db)
        let last = try lastSequence(db)
        guard last > covered else { return (covered, 0) }
        // The last entry per balance wins (the WHERE keeps SQLite from reading ON CONFLICT as a
        // join's ON).
        try db.execute(
            sql: """
                INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at)
                SELECT realm_id, currency_id, member_id, balance_after, created_at FROM (
                    SELECT realm_id, currency_id, member_id, balance_after, created_at,
                        row_number() OVER (PARTITION BY realm_id, currency_id, member_id ORDER BY seq DESC) AS place
                    FROM journal WHERE seq > ?
                ) WHERE place = 1
                ON CONFLICT (realm_id, currency_id, member_id)
                DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at
                """,
            arguments: [covered])
        // The entries join the member index, at the end of each member's run.
        try db.execute(
            sql: """
                INSERT INTO member_journal (realm_id, member_id, seq)
                SELECT realm_id, member_id, seq FROM journal WHERE seq > ?
                """,
            arguments: [covered])
        try db.execute(sql: "UPDATE ledger_checkpoint SET seq = ? WHERE id = 1", arguments: [last])
        return (last, Int(last - covered))
    }

    /// The balances the entries after the covered sequence leave, by (realm, currency, member):
    /// what a reader of the table at this snapshot must lay over it (`tally verify`).
    static func tail(_ db: Database) throws -> [TailKey: Int64] {
        var balances = [TailKey: Int64]()
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT realm_id, currency_id, member_id, balance_after FROM journal
                WHERE seq > (SELECT seq FROM ledger_checkpoint WHERE id = 1) ORDER BY seq
                """)
        while let row = try rows.next() {
            balances[TailKey(realm: row[0], currency: row[1], member: row[2])] = row[3]
        }
        return balances
    }

    struct TailKey: Hashable {
        let realm: String
        let currency: String
        let member: String
    }
}

/// The balances the writer plans with: every balance a batch touched since the last ledger
/// checkpoint (the table does not hold those yet), and balances read from the table on first
/// touch. Only the writer's queue touches it.
///
/// A request's new balances are kept aside (`pending`) until its savepoint holds, then become
/// the balances (`keepPending`); a rolled-back request's are dropped. If a group's commit fails,
/// `invalidate()` forgets everything and the writer runs a ledger checkpoint before the next
/// group, so the table again holds every committed balance.
final class WriterBalances: @unchecked Sendable {
    private var values: [BalanceKeyInRealm: Int64] = [:]
    private var pending: [(BalanceKeyInRealm, Int64)] = []
    /// Set by `invalidate()`: the table may lag the journal and nothing is remembered.
    private(set) var stale = false
    /// Most balances remembered; past it, the clean ones are forgotten after a checkpoint.
    let capacity: Int

    init(capacity: Int = 200_000) { self.capacity = capacity }

    /// The balance of `key`, reading (and remembering) the table's when it is not remembered.
    func balance(_ key: BalanceKey, in realmID: RealmID, _ db: Database) throws -> Int64? {
        let full = BalanceKeyInRealm(realm: realmID, key: key)
        if let known = values[full] { return known }
        let read = try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT balance FROM balances WHERE realm_id = ? AND currency_id = ? AND member_id = ?"),
            arguments: [realmID.rawValue, key.currencyID.rawValue, key.memberID.rawValue])
        values[full] = read ?? 0
        return read
    }

    /// A request's new balance, kept aside until its savepoint holds.
    func set(_ key: BalanceKey, in realmID: RealmID, to balance: Int64) {
        pending.append((BalanceKeyInRealm(realm: realmID, key: key), balance))
    }

    /// The request's savepoint held: its balances are the balances now.
    func keepPending() {
        for (key, balance) in pending { values[key] = balance }
        pending.removeAll(keepingCapacity: true)
    }

    /// The request rolled back: its balances never were.
    func dropPending() { pending.removeAll(keepingCapacity: true) }

    /// A ledger checkpoint committed: the table holds every balance, so remembered ones may go.
    func checkpointed() {
        stale = false
        if values.count > capacity { values.removeAll() }
    }

    /// Something other than a batch wrote balances (the table, after a checkpoint, holds them).
    func forget() { values.removeAll() }

    /// The group's commit failed: forget everything until the next checkpoint.
    func invalidate() {
        values.removeAll()
        pending.removeAll()
        stale = true
    }

    struct BalanceKeyInRealm: Hashable {
        let realm: RealmID
        let key: BalanceKey
    }
}

extension PreparedWrite {
    /// True for the writes whose SQL reads or writes the balances table itself rather than
    /// planning against the writer's balances: they run between two ledger checkpoints.
    var touchesBalancesBySQL: Bool {
        switch self {
        case .credential, .editCurrency: true
        default: false
        }
    }
}
