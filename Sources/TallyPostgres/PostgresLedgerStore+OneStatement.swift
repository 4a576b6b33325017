import Foundation
import PostgresNIO
import TallyCore
import TallyMetrics

extension PostgresLedgerStore {
    /// The most changes a batch may have to be written in one statement; larger ones take the
    /// locked path. Measured in one run with the build before this limit
    /// (docs/BENCHMARKS.md, `Benchmarks/run --postgres` against the build before the one-statement
    /// path): single changes 1.52 to 2.06 times as many requests/s, but 10-change batches 0.80 to
    /// 0.94 and 100-change batches 0.67 to 0.83, on two cores shared by Tally, PostgreSQL and the
    /// load. Where larger batches lose (the extra read when the server does not know the rows,
    /// the Swift work of building the call's arrays) is not yet measured.
    static let oneStatementChangesMax = 1

    /// Writes a batch in one round trip when it can (docs/decisions/0010-postgres-one-round-trip.md):
    /// `BatchPlanner` plans it from what this server knows (`PlanningCache`; what it does not
    /// know it reads first, in one more round trip), and `tally_apply_batch` writes the plan, its
    /// events and its idempotency record after checking under lock that every fact the plan used
    /// still holds.
    ///
    /// Returns nil when the batch must be planned inside a locked transaction instead: the plan
    /// from what was known is a rejection (which must be decided on fresh rows), or the function
    /// found a fact changed (nothing was written), or it lost a deadlock.
    func applyInOneStatement(
        _ prepared: PreparedWrite, _ batch: Batch, batchID: BatchID, entryIDs: [JournalEntryID],
        claim: IdempotencyClaim?, now: Int64
    ) async throws -> WriteOutcome? {
        guard batch.changes.count <= Self.oneStatementChangesMax else { return nil }
        try await ready()
        let realm = batch.realmID
        var readFirst = false

        // The currencies the batch names and, when a change names none, the default.
        var currencies = planningCache.currencies(in: realm)
        let named = batch.currencyIDs
        let usesDefault = batch.usesDefaultCurrency
        if named.contains(where: { currencies.byID[$0] == nil }) || (usesDefault && !currencies.defaultKnown) {
            let found = try await oneStatement("readCurrencies") { connection in
                try await self.all(
                    connection,
                    """
                    SELECT \(unescaped: StoredSchema.currencyColumns) FROM currencies
                    WHERE realm_id = \(realm.rawValue) AND (id = ANY(\(named.map(\.rawValue))) OR (\(usesDefault) AND is_default))
                    """
                ).map { try Currency(stored: PostgresStoredRow($0)) }
            }
            guard let found else { return nil }
            planningCache.remember(currencies: found, in: realm, defaultKnown: usesDefault)
            currencies = planningCache.currencies(in: realm)
            readFirst = true
        }
        // Each change's balance; a change with no currency in a realm with none is a rejection.
        var keys = [BalanceKey]()
        keys.reserveCapacity(batch.changes.count)
        for change in batch.changes {
            guard let currency = change.currencyID ?? currencies.defaultID else { return nil }
            keys.append(BalanceKey(currencyID: currency, memberID: change.memberID))
        }
        let distinctKeys = Array(Set(keys))
        let memberIDs = batch.memberIDs

        var (members, balances) = planningCache.lookup(realm: realm, members: memberIDs, keys: distinctKeys)
        let missingMembers = memberIDs.filter { members[$0] == nil }
        let missingKeys = distinctKeys.filter { balances[$0] == nil }
        if !missingMembers.isEmpty || !missingKeys.isEmpty {
            let read = ReadBatchInputs(
                realm: realm.rawValue, members: missingMembers.map(\.rawValue),
                currencies: Array(Set(missingKeys.map(\.currencyID.rawValue))),
                keyMembers: missingKeys.map(\.memberID.rawValue))
            let rows = try await oneStatement("readBatchInputs") { connection in
                try connection.requireOpen()
                var rows = [ReadBatchInputs.Row]()
                for try await row in try await connection.execute(read, logger: self.logger) { rows.append(row) }
                return rows
            }
            guard let rows else { return nil }
            var readMembers = [MemberID: Bool]()
            var readBalances = [BalanceKey: Int64?]()
            for key in missingKeys { readBalances[key] = .some(nil) }
            for row in rows {
                let member = MemberID(canonical: row.member)
                if let ghost = row.ghost {
                    readMembers[member] = ghost
                } else if let currency = row.currency, let balance = row.balance {
                    let key = BalanceKey(currencyID: CurrencyID(canonical: currency), memberID: member)
                    // Currencies and members are matched separately: keep only the keys asked for.
                    if readBalances[key] != nil { readBalances[key] = .some(balance) }
                }
            }
            planningCache.remember(members: readMembers, balances: readBalances, in: realm)
            members.merge(readMembers) { _, new in new }
            balances.merge(readBalances) { _, new in new }
            readFirst = true
        }

        // Plan from what is known; a rejection is decided again on locked rows.
        var references = BatchPlanner.References(existingMembers: Set(members.keys))
        references.ghosts = Set(members.filter(\.value).keys)
        for currency in currencies.byID.values {
            references.include(currency, asDefault: usesDefault && currency.id == currencies.defaultID)
        }
        var startBalances = [BalanceKey: Int64](minimumCapacity: balances.count)
        for (key, balance) in balances { if let balance { startBalances[key] = balance } }
        guard let resolved = try? BatchPlanner.resolve(batch, references: references),
            let plan = try? BatchPlanner.plan(resolved, balances: startBalances)
        else { return nil }
        let receipt = plan.receipt(batchID: batchID, entryIDs: entryIDs)
        let result = LedgerWriteResult.receipt(receipt)
        let drafts = EventRecorder.drafts(for: prepared, result: result, changed: true)
        let record = claim?.record(for: result)

        let usedCurrencies = Set(resolved.balanceKeys.map(\.currencyID)).sorted().compactMap { currencies.byID[$0] }
        let statement = try ApplyBatch(
            realm: realm.rawValue, now: now,
            members: memberIDs.map(\.rawValue), ghosts: memberIDs.map { members[$0] ?? false },
            currencies: usedCurrencies, keys: resolved.balanceKeys, starts: balances,
            finals: plan.finalBalances, receipt: receipt, batch: batch,
            events: drafts.map { draft in
                (id: (ids.make() as EventID).rawValue, type: draft.type.rawValue, data: draft.data.text)
            },
            claim: claim, record: record)
        let answer = try await oneStatement("applyBatch") { connection in
            try connection.requireOpen()
            var answer: ApplyBatch.Row?
            for try await row in try await connection.execute(statement, logger: self.logger) { answer = row }
            guard let answer else { throw TallyError.unavailable }
            try await self.confirmCommit(connection)
            return answer
        }
        guard let resultRow = answer else {
            metrics.postgresBatch(.stale)
            planningCache.forget(realm: realm, members: memberIDs, keys: distinctKeys)
            return nil
        }
        metrics.postgresBatch(readFirst ? .readThenOneStatement : .oneStatement)
        if resultRow.replayed, let claim, let hash = resultRow.hash, let status = resultRow.status,
            let body = resultRow.body
        {
            return try claim.replay(
                IdempotencyRecord(
                    requestHash: Array(hash), response: StoredResponse(status: Int(status), body: Array(body))))
        }
        planningCache.remember(receipt, in: realm)
        return .performed(result, response: record?.response)
    }

    /// Returns once PostgreSQL has committed the statement just run on `connection` outside a
    /// transaction; throws when the connection failed first.
    ///
    /// A statement outside a transaction commits after its result is sent: at the protocol's
    /// Sync, after CommandComplete, and (with a synchronous standby) only once the standby has it.
    /// postgres-nio hands the result over at CommandComplete, and a backend that dies while its
    /// commit waits (a crash, an immediate shutdown) sends the result it had queued. Answering
    /// then would acknowledge a batch that may be lost (tested in `FailoverTests`). The next
    /// statement is sent only after ReadyForQuery, which comes after the commit, so an empty
    /// statement after it answers once the commit is done: one more round trip, and the one
    /// PostgreSQL's own transaction control would cost (COMMIT's CommandComplete follows the
    /// commit).
    func confirmCommit(_ connection: PostgresConnection) async throws {
        try connection.requireOpen()
        try await connection.query(";", logger: logger)
    }

    /// Runs one statement outside a transaction (it is its own) on a pooled connection. Returns
    /// nil when the database answered `40001` (from `tally_apply_batch`: the plan is stale) or
    /// `40P01` (a deadlock): nothing was written, and the caller plans again under lock.
    func oneStatement<T: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws
        -> T?
    {
        do {
            return try await withPooledConnection(body)
        } catch let error as TallyError {
            throw error
        } catch  where ["40P01", "40001"].contains(Self.sqlState(error) ?? "") {
            return nil
        } catch {
            throw storageError(error, during: operation)
        }
    }
}

/// The call of `tally_apply_batch` (PostgresMigrations.applyBatchFunction), prepared once per
/// connection.
struct ApplyBatch: PostgresPreparedStatement {
    static let sql = """
        SELECT replayed, stored_hash, stored_status, stored_body FROM tally_apply_batch(
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
            $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)
        """
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .int8, .textArray, .boolArray,
        .textArray, .boolArray, .int8Array, .boolArray, .int8Array, .boolArray, .boolArray,
        .textArray, .textArray, .int8Array, .int8Array,
        .textArray, .textArray, .textArray, .int8Array, .int8Array, .int8Array,
        .text, .text, .text,
        .textArray, .textArray, .textArray,
        .text, .text, .bytea, .int4, .bytea,
    ]
    typealias Row = (replayed: Bool, hash: Data?, status: Int32?, body: Data?)

    var bindings = PostgresBindings(capacity: 32)

    init(
        realm: String, now: Int64, members: [String], ghosts: [Bool], currencies: [Currency], keys: [BalanceKey],
        starts: [BalanceKey: Int64?], finals: [FinalBalance], receipt: BatchReceipt, batch: Batch,
        events: [(id: String, type: String, data: String)], claim: IdempotencyClaim?, record: IdempotencyRecord?
    ) throws {
        bindings.append(realm)
        bindings.append(now)
        bindings.append(members)
        bindings.append(ghosts)
        bindings.append(currencies.map(\.id.rawValue))
        bindings.append(currencies.map(\.isArchived))
        bindings.append(currencies.map(\.minimumBalance))
        bindings.append(currencies.map { $0.maximumBalance != nil })
        bindings.append(currencies.map { $0.maximumBalance ?? 0 })
        bindings.append(currencies.map(\.isTransferable))
        bindings.append(currencies.map(\.isDefault))
        // keys and finals are both in BalanceKey order (the lock order).
        bindings.append(keys.map(\.currencyID.rawValue))
        bindings.append(keys.map(\.memberID.rawValue))
        bindings.append(keys.map { (starts[$0] ?? nil) ?? 0 })
        bindings.append(finals.map(\.balance))
        bindings.append(receipt.changes.map(\.entryID.rawValue))
        bindings.append(receipt.changes.map(\.memberID.rawValue))
        bindings.append(receipt.changes.map(\.currencyID.rawValue))
        bindings.append(receipt.changes.map(\.amount))
        bindings.append(receipt.changes.map(\.balanceBefore))
        bindings.append(receipt.changes.map(\.balanceAfter))
        bindings.append(receipt.batchID.rawValue)
        bindings.append(batch.initiatorID)
        bindings.append(batch.kind.rawValue)
        bindings.append(events.map(\.id))
        bindings.append(events.map(\.type))
        bindings.append(events.map(\.data))
        bindings.append(claim?.scope)
        bindings.append(claim?.key)
        try bindings.append(record.map { Data($0.requestHash) })
        bindings.append(record.map { Int32($0.response.status) })
        try bindings.append(record.map { Data($0.response.body) })
    }

    func makeBindings() throws -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (replayed, hash, status, body) = try row.decode((Bool, Data?, Int32?, Data?).self)
        return (replayed, hash, status, body)
    }
}

/// What a server reads for a batch when it does not know it yet: the members (with their ghost
/// flag) and the balances of the keys, currencies and members matched separately by `= ANY` on
/// the primary key (the caller keeps the pairs it asked for); prepared once per connection.
struct ReadBatchInputs: PostgresPreparedStatement {
    static let sql = """
        SELECT m.id, NULL::text, NULL::bigint, m.ghost FROM members m WHERE m.realm_id = $1 AND m.id = ANY($2)
        UNION ALL
        SELECT b.member_id, b.currency_id, b.balance, NULL FROM balances b
        WHERE b.realm_id = $1 AND b.currency_id = ANY($3) AND b.member_id = ANY($4)
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .textArray, .textArray, .textArray]
    /// A member row has `ghost`; a balance row has `currency` and `balance`.
    typealias Row = (member: String, currency: String?, balance: Int64?, ghost: Bool?)

    let realm: String
    let members: [String]
    let currencies: [String]
    let keyMembers: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(realm)
        bindings.append(members)
        bindings.append(currencies)
        bindings.append(keyMembers)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (member, currency, balance, ghost) = try row.decode((String, String?, Int64?, Bool?).self)
        return (member, currency, balance, ghost)
    }
}
