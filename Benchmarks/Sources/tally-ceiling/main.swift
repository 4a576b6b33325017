import Foundation
import GRDB

/// The raw engine ceiling for Tally's batch path: on a seeded Tally database, apply batches as
/// bare SQL (per change: one balance upsert and one journal insert, prepared statements, WAL,
/// synchronous=FULL like Tally's default) with no HTTP, JSON, authentication or rule checks.
///
/// Usage: tally-ceiling DATABASE REALM CURRENCY IDS_FILE BATCH_SIZE BATCHES MODE
///   MODE is `per-batch` (one commit per batch, like one request per transaction) or `single`
///   (every batch in one large commit). Prints one JSON object.
let arguments = CommandLine.arguments
guard arguments.count == 8, let batchSize = Int(arguments[5]), let batches = Int(arguments[6]) else {
    FileHandle.standardError.write(
        Data("usage: tally-ceiling DATABASE REALM CURRENCY IDS_FILE BATCH_SIZE BATCHES per-batch|single\n".utf8))
    exit(64)
}
let (path, realm, currency, idsFile, mode) = (arguments[1], arguments[2], arguments[3], arguments[4], arguments[7])
let ids = try String(contentsOfFile: idsFile, encoding: .utf8).split(separator: "\n").map(String.init)
var configuration = Configuration()
configuration.busyMode = .timeout(10)
let queue = try DatabaseQueue(path: path, configuration: configuration)
try queue.writeWithoutTransaction { db in
    _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
    try db.execute(sql: "PRAGMA synchronous = FULL")
    try db.execute(sql: "PRAGMA cache_size = -65536")  // the same page cache as Tally's writer
}

var generator = SystemRandomNumberGenerator()
let plan: [[String]] = (0..<batches).map { _ in (0..<batchSize).map { _ in ids.randomElement(using: &generator)! } }
let now = Int64(Date().timeIntervalSince1970 * 1000)
// 24-hex ids for the rows this run writes, distinct per run (the journal id is not a key, but the
// rows should still be told apart).
let idBase = Int.random(in: 1..<(1 << 40)) << 20

func apply(_ batch: [String], number: Int, _ db: Database) throws {
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
    let batchID = String(format: "%024lx", idBase + number)
    for (index, member) in batch.enumerated() {
        let after = try Int64.fetchOne(upsert, arguments: [realm, currency, member, 1, now]) ?? 1
        let entryID = String(format: "%024lx", idBase + (number + 1) * 100_000 + index)
        try journal.execute(arguments: [entryID, realm, member, currency, 1, after - 1, after, batchID, now])
    }
}

let started = Date()
switch mode {
case "per-batch":
    for (number, batch) in plan.enumerated() { try queue.write { db in try apply(batch, number: number, db) } }
case "single":
    try queue.write { db in
        for (number, batch) in plan.enumerated() { try apply(batch, number: 1_000_000 + number, db) }
    }
default:
    FileHandle.standardError.write(Data("mode must be per-batch or single\n".utf8))
    exit(64)
}
let seconds = Date().timeIntervalSince(started)
let changes = Double(batches * batchSize)
print(
    String(
        format:
            #"{"mode":"%@","batchSize":%d,"batches":%d,"seconds":%.3f,"changesPerSecond":%.0f,"commitsPerSecond":%.0f}"#,
        mode, batchSize, batches, seconds, changes / seconds, mode == "single" ? 1 / seconds : Double(batches) / seconds
    ))
