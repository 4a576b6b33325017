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
        case .updateCurrency(let id, let realm, let patch):
            return .currency(try updateCurrency(id, in: realm, patch: patch, db, now: now))
        case .setCurrencyArchived(let id, let realm, let archived):
            return .currency(try setCurrencyArchived(id, in: realm, archived: archived, db, now: now))
        case .createMember(let member):
            try requireRealm(db, member.realmID)
            try insert([member], db, progress: { _ in })
            return .member(member)
        case .setMemberMetadata(let metadata, let member, let realm):
            try setMemberMetadata(metadata, of: member, in: realm, db, now: now)
            return .done
        }
    }

    /// Validates and prepares the write, then hands it to the group committer, which answers
    /// once the transaction holding it is durable.
    public func perform(_ write: LedgerWrite, idempotency claim: IdempotencyClaim?) async throws -> WriteOutcome {
        let now = nowMilliseconds
        let prepared = try PreparedWrite(write, ids: ids, now: now)
        return try await committer.submit(prepared, claim: claim, now: now)
    }

    /// One write and its idempotency record, inside an open transaction (or savepoint).
    static func performInTransaction(
        _ prepared: PreparedWrite, claim: IdempotencyClaim?, _ db: Database, now: Int64
    ) throws -> WriteOutcome {
        if let claim {
            let lookup = try db.cachedStatement(
                sql: "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ? AND key = ?")
            if let row = try Row.fetchOne(lookup, arguments: [claim.scope, claim.key]) {
                let hash: Data = row["request_hash"]
                // A plain comparison: both hashes are of the caller's own request, not a secret.
                guard Array(hash) == claim.requestHash else {
                    throw TallyError(
                        .idempotencyKeyReused,
                        "Idempotency-Key '\(claim.key)' was already used for a different request.")
                }
                let body: Data = row["body"]
                return .replayed(StoredResponse(status: row["status"], body: Array(body)))
            }
        }
        let result = try execute(prepared, db, now: now)
        guard let claim else { return .performed(result, response: nil) }
        let response = claim.render(result)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            claim.scope, claim.key, Data(claim.requestHash), response.status, Data(response.body), now,
        ])
        return .performed(result, response: response)
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
