import Foundation
import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Another transaction stored the same idempotency key first; the caller rolls back and
    /// runs again, and the lookup then replays (or refuses) against the committed record.
    struct IdempotencyRace: Error {}

    /// How many times a write that lost an idempotency race is run again. One is enough unless
    /// records are pruned in between; a few more cost nothing.
    static let idempotencyAttemptsMax = 3

    /// Runs the write; `changed` is false for a currency edit that changed nothing (and records
    /// no event).
    func execute(_ write: PreparedWrite, _ connection: PostgresConnection, now: Int64) async throws
        -> (result: LedgerWriteResult, changed: Bool)
    {
        switch write {
        case .apply(let batch, let batchID, let entryIDs):
            return (.receipt(try await apply(batch, connection, batchID: batchID, entryIDs: entryIDs, now: now)), true)
        case .createRealm(let realm):
            try await insertRealm(realm, connection)
            return (.realm(realm), true)
        case .setPublicLeaderboard(let on, let realm):
            return (.realm(try await setPublicLeaderboard(on, realm: realm, connection, now: now)), true)
        case .createCurrency(let currency):
            try await insertCurrency(currency, connection)
            return (.currency(currency), true)
        case .editCurrency(let id, let realm, let edit):
            let edited = try await editCurrency(id, in: realm, edit, connection, now: now)
            return (.currency(edited.currency), edited.changed)
        case .createMember(let member):
            try await requireRealm(connection, member.realmID)
            try await insert([member], connection)
            return (.member(member), true)
        case .setMemberMetadata(let metadata, let member, let realm):
            try await setMemberMetadata(metadata, of: member, in: realm, connection, now: now)
            return (.done, true)
        case .createKey(let key):
            try await insertKey(key, connection)
            return (.key(key), true)
        case .revokeKey(let id):
            return (.key(try await revokeKey(id, connection, now: now)), true)
        case .credential(let write, let ids):
            return (try await perform(write, connection, now: now, ids: ids), true)
        }
    }

    public func perform(_ write: LedgerWrite, idempotency claim: IdempotencyClaim?) async throws -> WriteOutcome {
        let now = nowMilliseconds
        let prepared = try PreparedWrite(write, ids: ids, now: now)
        if case .apply(let batch, let batchID, let entryIDs) = prepared,
            let outcome = try await applyInOneStatement(
                prepared, batch, batchID: batchID, entryIDs: entryIDs, claim: claim, now: now)
        {
            metrics.committed(outcome)
            return outcome
        }
        var attempt = 1
        while true {
            do {
                let outcome = try await transaction("perform") { connection in
                    try await performOnce(prepared, claim: claim, connection, now: now)
                }
                metrics.committed(outcome)
                switch prepared {
                case .apply(let batch, _, _):
                    metrics.postgresBatch(.locked)
                    if case .performed(.receipt(let receipt), _) = outcome {
                        planningCache.remember(receipt, in: batch.realmID)
                    }
                case .editCurrency, .credential:
                    // They change what batches are planned from (limits, ghosts).
                    planningCache.forgetAll()
                default:
                    break
                }
                return outcome
            } catch let race as IdempotencyRace {
                guard attempt < Self.idempotencyAttemptsMax else { throw storageError(race, during: "perform") }
                attempt += 1
            }
        }
    }

    private func performOnce(
        _ prepared: PreparedWrite, claim: IdempotencyClaim?, _ connection: PostgresConnection, now: Int64
    ) async throws -> WriteOutcome {
        if let claim, let stored = try await idempotencyRecord(claim, connection) { return try claim.replay(stored) }
        let (result, changed) = try await execute(prepared, connection, now: now)
        try await record(
            EventRecorder.drafts(for: prepared, result: result, changed: changed), connection, now: now)
        guard let claim else { return .performed(result, response: nil) }
        let record = claim.record(for: result)
        // DO NOTHING waits for a concurrent insert of the same key to finish; if that one
        // committed, nothing is inserted here and this whole transaction must give way.
        let inserted = try await first(
            connection,
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
            VALUES (\(claim.scope), \(claim.key), \(Data(record.requestHash)), \(Int32(record.response.status)),
                \(Data(record.response.body)), \(now))
            ON CONFLICT (scope, key) DO NOTHING
            RETURNING 1
            """)
        guard inserted != nil else { throw IdempotencyRace() }
        return .performed(result, response: record.response)
    }

    /// Writes the drafts, unnumbered, in the caller's transaction: one insert. They are numbered
    /// once committed, before anything reads the feed (`numberEvents`).
    func record(_ drafts: [EventDraft], _ connection: PostgresConnection, now: Int64) async throws {
        guard !drafts.isEmpty else { return }
        let eventIDs = drafts.map { _ in (ids.make() as EventID).rawValue }
        try await run(
            connection,
            """
            INSERT INTO event_drafts (realm_id, id, type, data, created_at)
            SELECT e.realm, e.id, e.type, e.data, \(now)
            FROM unnest(\(drafts.map(\.realmID.rawValue))::text[], \(eventIDs)::text[],
                \(drafts.map(\.type.rawValue))::text[], \(drafts.map(\.data.text))::text[])
                WITH ORDINALITY AS e(realm, id, type, data, n)
            ORDER BY e.n
            """)
    }

    /// The record stored under the claim's key, or nil for a new key.
    private func idempotencyRecord(_ claim: IdempotencyClaim, _ connection: PostgresConnection) async throws
        -> IdempotencyRecord?
    {
        try await first(
            connection,
            "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = \(claim.scope) AND key = \(claim.key)"
        ).map { row in
            IdempotencyRecord(
                requestHash: Array(try row["request_hash"].decode(Data.self)),
                response: StoredResponse(
                    status: Int(try row["status"].decode(Int32.self)), body: Array(try row["body"].decode(Data.self))))
        }
    }

    public func pruneIdempotencyRecords(before cutoffMilliseconds: Int64, limit: Int) async throws -> Int {
        try await transaction("pruneIdempotencyRecords") { connection in
            // SKIP LOCKED: servers pruning at the same moment split the work instead of queueing.
            try await count(
                connection,
                """
                WITH gone AS (
                    DELETE FROM idempotency_keys WHERE (scope, key) IN (
                        SELECT scope, key FROM idempotency_keys WHERE created_at < \(cutoffMilliseconds)
                        ORDER BY created_at LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                    RETURNING 1)
                SELECT count(*) FROM gone
                """)
        }
    }
}
