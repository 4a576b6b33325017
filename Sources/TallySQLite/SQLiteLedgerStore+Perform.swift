import Foundation
import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Runs the write; `changed` is false for a currency edit that changed nothing (and records
    /// no event).
    static func execute(_ write: PreparedWrite, _ db: Database, now: Int64, memory: WriterBalances) throws
        -> (result: LedgerWriteResult, changed: Bool)
    {
        switch write {
        case .apply(let batch, let batchID, let entryIDs):
            return (
                .receipt(try apply(batch, in: db, batchID: batchID, entryIDs: entryIDs, now: now, memory: memory)), true
            )
        case .createRealm(let realm):
            try insertRealm(realm, db)
            return (.realm(realm), true)
        case .setPublicLeaderboard(let on, let realm):
            return (.realm(try setPublicLeaderboard(on, realm: realm, db, now: now)), true)
        case .createCurrency(let currency):
            try insertCurrency(currency, db)
            return (.currency(currency), true)
        case .editCurrency(let id, let realm, let edit):
            let edited = try editCurrency(id, in: realm, edit, db, now: now)
            return (.currency(edited.currency), edited.changed)
        case .createMember(let member):
            try requireRealm(db, member.realmID)
            try insert([member], db)
            return (.member(member), true)
        case .setMemberMetadata(let metadata, let member, let realm):
            try setMemberMetadata(metadata, of: member, in: realm, db, now: now)
            return (.done, true)
        case .createKey(let key):
            try insertKey(key, db)
            return (.key(key), true)
        case .revokeKey(let id):
            return (.key(try revokeKey(id, db, now: now)), true)
        case .credential(let write, let ids):
            return (try perform(write, db, now: now, ids: ids, memory: memory), true)
        }
    }

    /// Validates and prepares the write, then hands it to the group committer, which answers
    /// once the transaction holding it is durable. The outcome is counted in the store's metrics
    /// once it is durable.
    public func perform(_ write: LedgerWrite, idempotency claim: IdempotencyClaim?) async throws -> WriteOutcome {
        let now = nowMilliseconds
        let prepared = try PreparedWrite(write, ids: ids, now: now)
        let outcome = try await committer.submit(prepared, claim: claim, now: now)
        metrics.committed(outcome)
        return outcome
    }

    /// One write, its events and its idempotency record, inside an open transaction (or
    /// savepoint); `ids` names the events.
    static func performInTransaction(
        _ prepared: PreparedWrite, claim: IdempotencyClaim?, _ db: Database, now: Int64, ids: IDGenerator,
        memory: WriterBalances
    ) throws -> WriteOutcome {
        if let claim, let stored = try idempotencyRecord(claim, db) { return try claim.replay(stored) }
        let (result, changed) = try execute(prepared, db, now: now, memory: memory)
        try record(EventRecorder.drafts(for: prepared, result: result, changed: changed), db, now: now, ids: ids)
        guard let claim else { return .performed(result, response: nil) }
        let record = claim.record(for: result)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            claim.scope, claim.key, Data(record.requestHash), record.response.status, Data(record.response.body), now,
        ])
        return .performed(result, response: record.response)
    }

    /// Numbers the drafts with the realm's next sequence numbers and inserts them, in the
    /// caller's transaction: one counter update and one insert per write.
    static func record(_ drafts: [EventDraft], _ db: Database, now: Int64, ids: IDGenerator) throws {
        guard let realm = drafts.first?.realmID else { return }
        guard let last = try db.row(statements.takeEventSequences(drafts.count, in: realm), cached: true) else {
            throw TallyError.unavailable
        }
        let first = last.integer("last_seq") - Int64(drafts.count) + 1
        let events = drafts.enumerated().map { index, draft in
            draft.recorded(sequence: first + Int64(index), id: ids.make(), now: now)
        }
        for start in stride(from: 0, to: events.count, by: EventRecorder.rowsPerInsert) {
            let piece = events[start..<min(start + EventRecorder.rowsPerInsert, events.count)]
            try db.execute(
                statements.insert(Array(piece)), cached: piece.count == 1 || piece.count == EventRecorder.rowsPerInsert)
        }
    }

    /// The record stored under the claim's key, or nil for a new key.
    static func idempotencyRecord(_ claim: IdempotencyClaim, _ db: Database) throws -> IdempotencyRecord? {
        let lookup = try db.cachedStatement(
            sql: "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ? AND key = ?")
        return try Row.fetchOne(lookup, arguments: [claim.scope, claim.key]).map { row in
            let hash: Data = row["request_hash"]
            let body: Data = row["body"]
            return IdempotencyRecord(
                requestHash: Array(hash), response: StoredResponse(status: row["status"], body: Array(body)))
        }
    }

    public func pruneIdempotencyRecords(before cutoffMilliseconds: Int64, limit: Int) async throws -> Int {
        try await write("pruneIdempotencyRecords") { db in
            try db.execute(
                sql: """
                    DELETE FROM idempotency_keys WHERE rowid IN (
                        SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)
                    """,
                arguments: [cutoffMilliseconds, limit])
            return db.changesCount
        }
    }
}
