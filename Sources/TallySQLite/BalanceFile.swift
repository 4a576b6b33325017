import Foundation
import GRDB
import TallyCore

/// The balance file (docs/decisions/0009): a second SQLite file beside the database, named
/// `PATH-balances`, that holds what is derived from the journal: the balances with the
/// leaderboard's index, the member index of the journal (`member_journal`), and the journal
/// sequence number they cover (`ledger_checkpoint`). A commit writes the journal only; the
/// `BalanceFollower` brings this file up to the journal in transactions of its own, on its own
/// connection and file, so the writer never waits for that work.
///
/// Everything here can be rebuilt from the journal, whose every entry carries its balance after:
/// a missing file, or one that does not match the database beside it, starts again from nothing.
/// The database's connections attach it read-only as `ledger`, so the shared SQL reads
/// `balances` and `member_journal` by their plain names.
enum BalanceFile {
    /// The balance file of the database at `databasePath`.
    static func path(for databasePath: String) -> String { databasePath + "-balances" }

    /// The schema name the database's connections attach the file under.
    static let schema = "ledger"

    /// The schema name the balance file's own connection attaches the database under.
    static let journalSchema = "journaldb"

    /// Attaches the file at `path` read-only to a connection of the database.
    static func attach(_ db: Database, path: String) throws {
        try attachReadOnly(db, path: path, as: schema)
    }

    /// Attaches the file at `path` read-only as `name`: a transaction of the connection then
    /// only reads it, and never takes its write lock.
    static func attachReadOnly(_ db: Database, path: String, as name: String) throws {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        try db.execute(sql: "ATTACH DATABASE ? AS \(name)", arguments: ["file:\(encoded)?mode=ro"])
    }

    /// Opens (creating if needed) the balance file of the database at `databasePath`, which its
    /// connection attaches read-only as `journaldb`. Its commits need not survive power loss: a
    /// lost one is replayed from the journal, so `synchronous=NORMAL`.
    static func open(_ path: String, journal databasePath: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "tally.balances"
        configuration.prepareDatabase { db in try attachReadOnly(db, path: databasePath, as: journalSchema) }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA main.journal_mode = WAL")
            try db.execute(sql: "PRAGMA main.synchronous = NORMAL")
            try db.execute(sql: "PRAGMA main.cache_size = -32768")
            // The follower's transactions are large; its log is checkpointed every 40 MiB rather
            // than every 4 MiB.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        try migrator.migrate(queue)
        return queue
    }

    /// The statement that creates a table shaped as `balances` under `name` (`temp.balances` for
    /// a load's balances, which are checked, not kept). No foreign keys: the members and
    /// currencies are in the database.
    static func createBalances(_ name: String) -> String {
        """
        CREATE TABLE \(name) (
            realm_id TEXT NOT NULL,
            currency_id TEXT NOT NULL,
            member_id TEXT NOT NULL,
            balance INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (realm_id, currency_id, member_id)
        ) WITHOUT ROWID
        """
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-balances") { db in
            try db.execute(
                sql: """
                    \(createBalances("balances"));
                    CREATE INDEX balances_leaderboard ON balances(realm_id, currency_id, balance DESC, member_id);
                    CREATE TABLE member_journal (
                        realm_id TEXT NOT NULL,
                        member_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (realm_id, member_id, seq)
                    ) WITHOUT ROWID;
                    -- The journal sequence number covered, and that entry's id, by which a file
                    -- that belongs to another database (or an older copy of it) is recognized.
                    CREATE TABLE ledger_checkpoint (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        seq INTEGER NOT NULL CHECK (seq >= 0),
                        entry_id TEXT
                    );
                    INSERT INTO ledger_checkpoint (id, seq, entry_id) VALUES (1, 0, NULL);
                    """)
        }
        migrator.registerMigration("0002-activity") { db in
            // Each realm's activity per hour and currency (docs/CONSOLE.md), from the entries
            // the file covers; `follow` adds the rest. The sums are kept in floating point so that
            // they never overflow; reads cap them at Int64.max.
            try db.execute(
                sql: """
                    CREATE TABLE activity (
                        realm_id TEXT NOT NULL,
                        hour INTEGER NOT NULL,
                        currency_id TEXT NOT NULL,
                        changes INTEGER NOT NULL,
                        credited REAL NOT NULL,
                        debited REAL NOT NULL,
                        PRIMARY KEY (realm_id, hour, currency_id)
                    ) WITHOUT ROWID;
                    \(activityInsert(journal: "\(journalSchema).journal", after: "-1", through: "(SELECT seq FROM ledger_checkpoint WHERE id = 1)"))
                    """)
        }
        migrator.registerMigration("0003-holder-counts") { db in
            // How many balances each currency has (the leaderboard's total), kept by a trigger
            // as `follow` adds balances (an upsert fires it only for a balance's first row), so
            // that no leaderboard counts them.
            try db.execute(
                sql: """
                    CREATE TABLE holder_counts (
                        realm_id TEXT NOT NULL,
                        currency_id TEXT NOT NULL,
                        holders INTEGER NOT NULL CHECK (holders >= 0),
                        PRIMARY KEY (realm_id, currency_id)
                    ) WITHOUT ROWID;
                    INSERT INTO holder_counts (realm_id, currency_id, holders)
                        SELECT realm_id, currency_id, count(*) FROM balances GROUP BY realm_id, currency_id;
                    CREATE TRIGGER balances_counted AFTER INSERT ON balances
                    BEGIN
                        INSERT INTO holder_counts (realm_id, currency_id, holders)
                        VALUES (NEW.realm_id, NEW.currency_id, 1)
                        ON CONFLICT (realm_id, currency_id) DO UPDATE SET holders = holders + 1;
                    END;
                    """)
        }
        return migrator
    }

    /// The sequence number the file covers and that entry's id.
    static func covered(_ ledger: Database) throws -> (seq: Int64, entryID: String?) {
        guard
            let row = try Row.fetchOne(
                ledger.cachedStatement(sql: "SELECT seq, entry_id FROM ledger_checkpoint WHERE id = 1"))
        else { return (0, nil) }
        return (row[0], row[1])
    }

    /// Empties the file when what it covers is not the database's journal (the entry it names is
    /// not there under that sequence number): it then rebuilds from the whole journal. Returns
    /// true when it did.
    static func reconcile(_ ledger: Database) throws -> Bool {
        let (seq, entryID) = try covered(ledger)
        guard seq > 0 else { return false }
        let found = try String.fetchOne(
            ledger, sql: "SELECT id FROM \(journalSchema).journal WHERE seq = ?", arguments: [seq])
        guard found == nil || found != entryID else { return false }
        try ledger.execute(
            sql: """
                DELETE FROM balances;
                DELETE FROM member_journal;
                DELETE FROM activity;
                DELETE FROM holder_counts;
                UPDATE ledger_checkpoint SET seq = 0, entry_id = NULL WHERE id = 1;
                """)
        return true
    }

    /// Applies up to `limit` journal entries after the covered sequence number, in the caller's
    /// transaction on the file, all in SQL: each balance they touch takes its last entry's balance
    /// after, each entry joins the member index (both in key order, so that each page is visited
    /// once), and the covered sequence number moves to the last one.
    static func follow(_ ledger: Database, limit: Int) throws -> (covered: Int64, applied: Int) {
        let (covered, _) = try covered(ledger)
        let journal = "\(journalSchema).journal"
        guard
            let last = try Row.fetchOne(
                ledger.cachedStatement(
                    sql: """
                        SELECT seq, id FROM \(journal) WHERE seq = (
                            SELECT max(seq) FROM (SELECT seq FROM \(journal) WHERE seq > ? ORDER BY seq LIMIT ?))
                        """),
                arguments: [covered, limit])
        else { return (covered, 0) }
        let through: Int64 = last[0]
        try ledger.cachedStatement(
            sql: """
                INSERT INTO member_journal (realm_id, member_id, seq)
                SELECT realm_id, member_id, seq FROM \(journal) WHERE seq > ? AND seq <= ?
                ORDER BY realm_id, member_id, seq
                """
        ).execute(arguments: [covered, through])
        let applied = ledger.changesCount
        try ledger.cachedStatement(
            sql: """
                INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at)
                SELECT realm_id, currency_id, member_id, balance_after, created_at FROM \(journal)
                WHERE seq IN (
                    SELECT max(seq) FROM \(journal) WHERE seq > ? AND seq <= ?
                    GROUP BY realm_id, currency_id, member_id)
                ORDER BY realm_id, currency_id, member_id
                ON CONFLICT (realm_id, currency_id, member_id)
                DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at
                """
        ).execute(arguments: [covered, through])
        try ledger.cachedStatement(sql: activityInsert(journal: journal, after: "?", through: "?"))
            .execute(arguments: [covered, through])
        try ledger.execute(
            sql: "UPDATE ledger_checkpoint SET seq = ?, entry_id = ? WHERE id = 1",
            arguments: [through, last[1] as String])
        return (through, applied)
    }

    /// The statement that adds the journal entries with `after < seq <= through` to `activity`,
    /// one row per realm, hour and currency.
    static func activityInsert(journal: String, after: String, through: String) -> String {
        """
        INSERT INTO activity (realm_id, hour, currency_id, changes, credited, debited)
        SELECT realm_id, created_at / \(ActivityHour.length), currency_id, count(*),
            total(max(amount, 0)), total(max(-amount, 0))
        FROM \(journal) WHERE seq > \(after) AND seq <= \(through)
        GROUP BY 1, 2, 3
        ON CONFLICT (realm_id, hour, currency_id) DO UPDATE SET changes = changes + excluded.changes,
            credited = credited + excluded.credited, debited = debited + excluded.debited
        """
    }

    /// The balances the entries after `covered` leave, by (realm, currency, member): what a reader
    /// of the file as of `covered` lays over it (`tally verify`, and the writer on opening).
    static func tail(_ db: Database, after covered: Int64) throws -> [Key: Int64] {
        var balances = [Key: Int64]()
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT realm_id, currency_id, member_id, balance_after FROM main.journal
                WHERE seq > ? ORDER BY seq
                """,
            arguments: [covered])
        while let row = try rows.next() {
            balances[Key(realm: row[0], currency: row[1], member: row[2])] = row[3]
        }
        return balances
    }

    struct Key: Hashable {
        let realm: String
        let currency: String
        let member: String
    }
}
