import Foundation
import GRDB

/// Seeds journal history for the scale benchmark: on a Tally SQLite database whose realm has
/// members but no journal yet, writes ROUNDS entries of +1 per member per currency (oldest round
/// first, so each balance's before/after chain runs in journal order) and sets every balance to
/// ROUNDS (on a database from before write path v2; since, Tally derives the balances from the
/// journal when it next opens the database). The result passes `tally verify`; it stands in for a community's history, so the
/// benchmark measures serving at that size, not how the history was written.
///
/// Usage: tally-seed DATABASE REALM ROUNDS
///   Every currency of the realm gets ROUNDS entries per member. Progress goes to stderr.
let arguments = CommandLine.arguments
guard arguments.count == 4, let rounds = Int(arguments[3]), rounds > 0 else {
    FileHandle.standardError.write(Data("usage: tally-seed DATABASE REALM ROUNDS\n".utf8))
    exit(64)
}
let (path, realm) = (arguments[1], arguments[2])
var configuration = Configuration()
configuration.busyMode = .timeout(10)
let queue = try DatabaseQueue(path: path, configuration: configuration)
try queue.writeWithoutTransaction { db in
    _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
    try db.execute(sql: "PRAGMA synchronous = FULL")
    try db.execute(sql: "PRAGMA cache_size = -262144")
}

let (members, currencies, existing) = try queue.read { db in
    (
        try String.fetchAll(db, sql: "SELECT id FROM members WHERE realm_id = ? ORDER BY id", arguments: [realm]),
        try String.fetchAll(db, sql: "SELECT id FROM currencies WHERE realm_id = ? ORDER BY id", arguments: [realm]),
        try Int.fetchOne(db, sql: "SELECT count(*) FROM journal WHERE realm_id = ?", arguments: [realm]) ?? 0
    )
}
guard existing == 0, !members.isEmpty, !currencies.isEmpty else {
    FileHandle.standardError.write(Data("tally-seed: the realm needs members, currencies and an empty journal\n".utf8))
    exit(65)
}

/// Writes the history; everything it changes is local, one chunk per transaction.
func seed() throws {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let total = rounds * currencies.count * members.count
    let started = Date()
    var written = 0
    var counter = 0
    let chunk = 100_000
    func report(_ written: Int) {
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(
            Data(
                String(
                    format: "\rtally-seed: %d / %d journal entries (%.0f%%, %.0f entries/s)", written, total,
                    Double(written) * 100 / Double(total), Double(written) / max(seconds, 0.001)
                ).utf8))
    }
    for round in 0..<rounds {
        for currency in currencies {
            var start = 0
            while start < members.count {
                let end = min(start + chunk, members.count)
                try queue.write { db in
                    let insert = try db.cachedStatement(
                        sql: """
                            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after,
                                batch_id, initiator_id, kind, created_at)
                            VALUES (?, ?, ?, ?, 1, ?, ?, ?, 'seed', 'batch', ?)
                            """)
                    for index in start..<end {
                        counter += 1
                        // One batch id per hundred entries, like a busy bot's batches.
                        let batch = String(format: "ba%022x", counter / 100)
                        try insert.execute(arguments: [
                            String(format: "%024x", counter), realm, members[index], currency, round, round + 1, batch,
                            now,
                        ])
                    }
                }
                written += end - start
                report(written)
                start = end
            }
        }
    }
    try queue.write { db in
        // Since write path v2 the balances live in the balance file beside the database, which
        // Tally builds from the journal when it next opens it; version 1 kept them here.
        guard try db.tableExists("balances") else { return }
        try db.execute(
            sql: """
                INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at)
                SELECT m.realm_id, c.id, m.id, ?, ? FROM members m JOIN currencies c ON c.realm_id = m.realm_id
                WHERE m.realm_id = ?
                """,
            arguments: [rounds, now, realm])
    }
    try queue.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    let seconds = Date().timeIntervalSince(started)
    FileHandle.standardError.write(Data("\n".utf8))
    print(
        String(
            format: #"{"entries":%d,"members":%d,"currencies":%d,"seconds":%.1f,"entriesPerSecond":%.0f}"#, total,
            members.count, currencies.count, seconds, Double(total) / seconds))
}

try seed()
