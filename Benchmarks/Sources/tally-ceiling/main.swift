import Foundation
import GRDB

/// The raw engine ceilings for Tally's batch path, with no HTTP, JSON, authentication or rule
/// checks: prepared statements, WAL, synchronous=FULL like Tally's default, and the same page
/// cache as Tally's writer. Every mode also counts the log frames its commits wrote (the log is
/// not checkpointed during the run) and prints pages written per change.
///
/// Usage: tally-ceiling DATABASE REALM CURRENCY IDS_FILE BATCH_SIZE BATCHES MODE
///   per-batch  on the seeded Tally database, the SQL of Tally's version-1 write path per change
///              (one balance upsert and one journal insert), one commit per batch
///   single     the same, every batch in one large commit
///   minimal    the second reference: a fresh database of its own (DATABASE-minimal) with one
///              text-keyed balances table and one journal table and no secondary index; per
///              change one balance `UPDATE … RETURNING` and one journal `INSERT`, one commit per
///              batch
///   append     the write path that makes the journal the commit (docs/decisions/0009): a fresh
///              database (DATABASE-append) whose journal has integer keys and no secondary index;
///              balances are held in memory, and each commit appends its entries and one event row
///              carrying every change, as Tally's events do
///   append-indexed  `append`, with the journal's (member, seq) index kept in every commit
///   append-text     `append` with the journal's version-1 columns: 24-character text keys for the
///              realm, member and currency, and the balance before (what integer keys save)
///   two-files  `append-text`, while a second thread keeps the derived state (text-keyed balances
///              with the leaderboard index, and the member index) in a database file of its own
///              (DATABASE-derived, synchronous=NORMAL: it can be rebuilt from the journal), a
///              transaction per catch-up of at most 20,000 entries; prints how long the follower
///              needed after the last commit too
/// Prints one JSON object.
let arguments = CommandLine.arguments
let modes = ["per-batch", "single", "minimal", "append", "append-indexed", "append-text", "two-files"]
guard arguments.count == 8, let batchSize = Int(arguments[5]), let batches = Int(arguments[6]),
    modes.contains(arguments[7])
else {
    FileHandle.standardError.write(
        Data(
            "usage: tally-ceiling DATABASE REALM CURRENCY IDS_FILE BATCH_SIZE BATCHES \(modes.joined(separator: "|"))\n"
                .utf8))
    exit(64)
}
let (path, realm, currency, idsFile, mode) = (arguments[1], arguments[2], arguments[3], arguments[4], arguments[7])
let ids = try String(contentsOfFile: idsFile, encoding: .utf8).split(separator: "\n").map(String.init)
let configuration = {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return configuration
}()

/// Opens `file` the way Tally's writer does, with the log emptied and not checkpointed, so that
/// its frame count at the end is what the run wrote.
func open(_ file: String) throws -> DatabaseQueue {
    let queue = try DatabaseQueue(path: file, configuration: configuration)
    try queue.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        try db.execute(sql: "PRAGMA synchronous = FULL")
        try db.execute(sql: "PRAGMA cache_size = -65536")  // the same page cache as Tally's writer
    }
    return queue
}

/// Empties the log and stops automatic checkpoints, before the timed part.
func startCounting(_ queue: DatabaseQueue) throws {
    try queue.writeWithoutTransaction { db in
        _ = try db.checkpoint(.truncate)
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
    }
}

/// The frames the log holds: what the commits since `startCounting` wrote.
func framesWritten(_ queue: DatabaseQueue) throws -> Int {
    try queue.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }
}

var generator = SystemRandomNumberGenerator()
let plan: [[Int]] = (0..<batches).map { _ in
    (0..<batchSize).map { _ in Int.random(in: 0..<ids.count, using: &generator) }
}
let now = Int64(Date().timeIntervalSince1970 * 1000)
// 24-hex ids for the rows this run writes, distinct per run (the journal id is not a key, but the
// rows should still be told apart).
let idBase = Int.random(in: 1..<(1 << 40)) << 20
func batchID(_ number: Int) -> String { String(format: "%024lx", idBase + number) }
func entryID(_ number: Int, _ index: Int) -> String {
    String(format: "%024lx", idBase + (number + 1) * 100_000 + index)
}

/// Tally's version-1 per-change SQL on its own database.
func applyVersion1(_ batch: [Int], number: Int, _ db: Database) throws {
    let upsert = try db.cachedStatement(
        sql: """
            INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (realm_id, currency_id, member_id)
            DO UPDATE SET balance = balance + excluded.balance, updated_at = excluded.updated_at
            RETURNING balance
            """)
    let journal = try db.cachedStatement(
        sql: """
            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                batch_id, initiator_id, kind, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 'batch', ?)
            """)
    for (index, member) in batch.enumerated() {
        let after = try Int64.fetchOne(upsert, arguments: [realm, currency, ids[member], 1, now]) ?? 1
        try journal.execute(arguments: [
            entryID(number, index), realm, ids[member], currency, 1, after - 1, after, batchID(number), now,
        ])
    }
}

/// The minimal loop: a text-keyed balance update and a journal insert per change.
func applyMinimal(_ batch: [Int], number: Int, _ db: Database) throws {
    let update = try db.cachedStatement(
        sql: """
            UPDATE balances SET balance = balance + ? WHERE realm_id = ? AND currency_id = ? AND member_id = ?
            RETURNING balance
            """)
    let journal = try db.cachedStatement(
        sql: """
            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                batch_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
    for (index, member) in batch.enumerated() {
        let after = try Int64.fetchOne(update, arguments: [1, realm, currency, ids[member]]) ?? 1
        try journal.execute(arguments: [
            entryID(number, index), realm, ids[member], currency, 1, after - 1, after, batchID(number), now,
        ])
    }
}

/// The journal-is-the-commit loop: balances in memory, entries appended with integer keys, and
/// one event row per batch whose data carries every change (as Tally's feed does).
final class Memory: @unchecked Sendable {
    var balances: [Int64]
    var nextEvent: Int64 = 1
    /// The batch being committed's entries (member, balance after, seq), for the follower.
    var appended: [(Int, Int64, Int64)] = []
    init(count: Int) { balances = [Int64](repeating: 0, count: count) }
}
let memory = Memory(count: ids.count)
func applyAppend(_ batch: [Int], number: Int, _ db: Database) throws {
    let text = mode == "append-text" || mode == "two-files"
    let journal = try db.cachedStatement(
        sql: text
            ? """
            INSERT INTO journal (id, realm, member, currency, amount, balance_before, balance_after, batch_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
            : """
            INSERT INTO journal (id, realm, member, currency, amount, balance_after, batch_id, created_at)
            VALUES (?, 1, ?, 1, ?, ?, ?, ?)
            """)
    var changes = [String]()
    changes.reserveCapacity(batch.count)
    for (index, member) in batch.enumerated() {
        memory.balances[member] += 1
        let after = memory.balances[member]
        let entry = entryID(number, index)
        if text {
            try journal.execute(arguments: [
                entry, realm, ids[member], currency, 1, after - 1, after, batchID(number), now,
            ])
            if mode == "two-files" { memory.appended.append((member, after, db.lastInsertedRowID)) }
        } else {
            try journal.execute(arguments: [entry, member, 1, after, batchID(number), now])
        }
        changes.append(
            #"{"amount":1,"balanceAfter":\#(after),"balanceBefore":\#(after - 1),"currencyId":"\#(currency)","dripId":"\#(ids[member])","entryId":"\#(entry)"}"#
        )
    }
    let event = try db.cachedStatement(
        sql: "INSERT INTO events (realm, seq, id, type, data, created_at) VALUES (1, ?, ?, ?, ?, ?)")
    try event.execute(arguments: [
        memory.nextEvent, batchID(number), "member.points.awarded",
        #"{"batchId":"\#(batchID(number))","changes":[\#(changes.joined(separator: ","))]}"#, now,
    ])
    memory.nextEvent += 1
}

/// A fresh database at `file` with `schema`, replacing any earlier one.
func fresh(_ file: String, _ schema: String) throws -> DatabaseQueue {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
    let queue = try open(file)
    try queue.write { db in try db.execute(sql: schema) }
    return queue
}

let queue: DatabaseQueue
let apply: (_ batch: [Int], _ number: Int, _ db: Database) throws -> Void
switch mode {
case "minimal":
    queue = try fresh(
        path + "-minimal",
        """
        CREATE TABLE balances (realm_id TEXT NOT NULL, currency_id TEXT NOT NULL, member_id TEXT NOT NULL,
            balance INTEGER NOT NULL, PRIMARY KEY (realm_id, currency_id, member_id)) WITHOUT ROWID;
        CREATE TABLE journal (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, realm_id TEXT NOT NULL, member_id TEXT NOT NULL,
            currency_id TEXT NOT NULL, amount INTEGER NOT NULL, balance_before INTEGER NOT NULL,
            balance_after INTEGER NOT NULL, batch_id TEXT NOT NULL, created_at INTEGER NOT NULL);
        """)
    try queue.write { db in
        let insert = try db.makeStatement(sql: "INSERT INTO balances VALUES (?, ?, ?, 0)")
        for id in ids { try insert.execute(arguments: [realm, currency, id]) }
    }
    apply = { batch, number, db in try applyMinimal(batch, number: number, db) }
case "append", "append-indexed", "append-text", "two-files":
    queue = try fresh(
        path + "-" + mode,
        """
        CREATE TABLE journal (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, realm ANY NOT NULL, member ANY NOT NULL,
            currency ANY NOT NULL, amount INTEGER NOT NULL, balance_before INTEGER, balance_after INTEGER NOT NULL,
            batch_id TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT;
        CREATE TABLE events (realm INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
            data TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (realm, seq)) WITHOUT ROWID;
        """ + (mode == "append-indexed" ? "CREATE INDEX journal_by_member ON journal(realm, member, seq);" : ""))
    apply = { batch, number, db in try applyAppend(batch, number: number, db) }
default:
    queue = try open(path)
    try restoreVersion1Layout(queue, path)
    apply = { batch, number, db in try applyVersion1(batch, number: number, db) }
}

/// Version 1's SQL needs version 1's layout. A database Tally opened since write path v2 keeps
/// its balances, the leaderboard's index and the member index in the balance file beside it
/// (`PATH-balances`): they are put back into the database as version 1 had them (the balances
/// table with its foreign keys and leaderboard index, and the journal's member index), so the
/// reference measures exactly version 1's per-change work.
func restoreVersion1Layout(_ queue: DatabaseQueue, _ path: String) throws {
    try queue.writeWithoutTransaction { db in
        guard try !db.tableExists("balances") else { return }
        try db.execute(sql: "ATTACH DATABASE ? AS derived", arguments: [path + "-balances"])
        try db.execute(
            sql: """
                CREATE TABLE main.balances (
                    realm_id TEXT NOT NULL,
                    currency_id TEXT NOT NULL,
                    member_id TEXT NOT NULL,
                    balance INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (realm_id, currency_id, member_id),
                    FOREIGN KEY (realm_id, currency_id) REFERENCES currencies(realm_id, id),
                    FOREIGN KEY (realm_id, member_id) REFERENCES members(realm_id, id)
                ) WITHOUT ROWID;
                INSERT INTO main.balances SELECT realm_id, currency_id, member_id, balance, updated_at
                    FROM derived.balances ORDER BY realm_id, currency_id, member_id;
                CREATE INDEX main.balances_leaderboard ON balances(realm_id, currency_id, balance DESC, member_id);
                CREATE INDEX main.journal_by_member ON journal(realm_id, member_id, seq);
                """)
        try db.execute(sql: "DETACH DATABASE derived")
    }
}

/// The follower of `two-files`: applies what the committed batches appended to the derived file.
final class Follower: @unchecked Sendable {
    let condition = NSCondition()
    var queued: [(Int, Int64, Int64)] = []
    var done = false
    var finished: Date?
    let derived: DatabaseQueue

    init(_ derived: DatabaseQueue) { self.derived = derived }

    func add(_ entries: [(Int, Int64, Int64)]) {
        condition.withLock {
            queued += entries
            condition.signal()
        }
    }

    func finish() {
        condition.withLock {
            done = true
            condition.signal()
        }
    }

    func run() {
        while true {
            condition.lock()
            while queued.isEmpty && !done { condition.wait() }
            if queued.isEmpty && done {
                finished = Date()
                condition.unlock()
                return
            }
            let take = Array(queued.prefix(20_000))
            queued.removeFirst(take.count)
            condition.unlock()
            do {
                try derived.write { db in
                    var last = [Int: Int64]()
                    for (member, after, _) in take { last[member] = after }
                    let upsert = try db.cachedStatement(
                        sql: "UPDATE balances SET balance = ? WHERE realm_id = ? AND currency_id = ? AND member_id = ?")
                    for (member, after) in last {
                        try upsert.execute(arguments: [after, realm, currency, ids[member]])
                    }
                    let index = try db.cachedStatement(
                        sql: "INSERT INTO member_journal (realm_id, member_id, seq) VALUES (?, ?, ?)")
                    for (member, _, seq) in take { try index.execute(arguments: [realm, ids[member], seq]) }
                }
            } catch {
                FileHandle.standardError.write(Data("follower: \(error)\n".utf8))
                exit(1)
            }
        }
    }
}

var follower: Follower?
if mode == "two-files" {
    let file = path + "-derived"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
    let derived = try DatabaseQueue(path: file, configuration: configuration)
    try derived.writeWithoutTransaction { db in
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        try db.execute(sql: "PRAGMA cache_size = -65536")
    }
    try derived.write { db in
        try db.execute(
            sql: """
                CREATE TABLE balances (realm_id TEXT NOT NULL, currency_id TEXT NOT NULL, member_id TEXT NOT NULL,
                    balance INTEGER NOT NULL, PRIMARY KEY (realm_id, currency_id, member_id)) WITHOUT ROWID;
                CREATE INDEX balances_leaderboard ON balances(realm_id, currency_id, balance DESC, member_id);
                CREATE TABLE member_journal (realm_id TEXT NOT NULL, member_id TEXT NOT NULL, seq INTEGER NOT NULL,
                    PRIMARY KEY (realm_id, member_id, seq)) WITHOUT ROWID;
                """)
        let insert = try db.makeStatement(sql: "INSERT INTO balances VALUES (?, ?, ?, 0)")
        for id in ids { try insert.execute(arguments: [realm, currency, id]) }
    }
    let made = Follower(derived)
    follower = made
    Thread { made.run() }.start()
}

try startCounting(queue)
let started = Date()
var committedAt: Date?
if let follower {
    for (number, batch) in plan.enumerated() {
        try queue.write { db in try apply(batch, number, db) }
        follower.add(memory.appended)
        memory.appended.removeAll(keepingCapacity: true)
    }
    committedAt = Date()
    follower.finish()
    while follower.condition.withLock({ follower.finished == nil }) { usleep(1_000) }
} else if mode == "single" {
    try queue.write { db in
        for (number, batch) in plan.enumerated() { try apply(batch, 1_000_000 + number, db) }
    }
} else {
    for (number, batch) in plan.enumerated() { try queue.write { db in try apply(batch, number, db) } }
}
let seconds = (committedAt ?? Date()).timeIntervalSince(started)
// two-files: when the follower had applied everything, which bounds the rate it can keep up.
let followerSeconds = follower?.finished.map { $0.timeIntervalSince(started) } ?? 0
let frames = try framesWritten(queue)
let changes = Double(batches * batchSize)
print(
    String(
        format:
            #"{"mode":"%@","batchSize":%d,"batches":%d,"seconds":%.3f,"changesPerSecond":%.0f,"commitsPerSecond":%.0f,"pagesPerChange":%.3f,"followerSeconds":%.3f}"#,
        mode, batchSize, batches, seconds, changes / seconds,
        mode == "single" ? 1 / seconds : Double(batches) / seconds,
        Double(frames) / changes, followerSeconds
    ))
