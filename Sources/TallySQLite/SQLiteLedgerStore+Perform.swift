import Foundation
import GRDB
import TallyCore

extension SQLiteLedgerStore {
    static func execute(_ write: PreparedWrite, _ db: Database, now: Int64) throws -> LedgerWriteResult {
        switch write {
        case .apply(let batch, let batchID, let entryIDs):
            return .receipt(try apply(batch, in: db, batchID: batchID, entryIDs: entryIDs, now: now))
        case .createRealm(let realm):
            try insertRealm(realm, db)
            return .realm(realm)
        case .createCurrency(let currency):
            try insertCurrency(currency, db)
            return .currency(currency)
        case .editCurrency(let id, let realm, let edit):
            return .currency(try editCurrency(id, in: realm, edit, db, now: now))
        case .createMember(let member):
            try requireRealm(db, member.realmID)
            try insert([member], db)
            return .member(member)
        case .setMemberMetadata(let metadata, let member, let realm):
            try setMemberMetadata(metadata, of: member, in: realm, db, now: now)
            return .done
        case .createKey(let key):
            try insertKey(key, db)
            return .key(key)
        case .revokeKey(let id):
            return .key(try revokeKey(id, db, now: now))
        case .credential(let write, let ids):
            return try perform(write, db, now: now, ids: ids)
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

    /// One write and its idempotency record, inside an open transaction (or savepoint).
    static func performInTransaction(
        _ prepared: PreparedWrite, claim: IdempotencyClaim?, _ db: Database, now: Int64
    ) throws -> WriteOutcome {
        if let claim, let stored = try idempotencyRecord(claim, db) { return try claim.replay(stored) }
        let result = try execute(prepared, db, now: now)
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
