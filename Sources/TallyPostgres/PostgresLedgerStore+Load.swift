import PostgresNIO
import TallyCore

extension PostgresLedgerStore: LedgerLoader {
    /// Rows per bulk statement of entries and balances (arrays through `unnest`, one round trip).
    static let loadChunkRows = 2_000

    /// One transaction on one connection for the whole load. It is never run again: a failure
    /// of any kind ends the load (the source cannot be read twice), undoing everything.
    public func load(_ source: any LoadSource) async throws -> LoadSummary {
        let summary = try await loadInOneTransaction(source)
        planningCache.forgetAll()
        // Statistics for the tables the load filled, now rather than when autovacuum gets to
        // them: a plan made meanwhile would take a table of a million rows for an empty one.
        do {
            try await withPooledConnection { connection in
                _ = try await connection.query("ANALYZE members, balances, journal, events", logger: logger)
            }
        } catch {
            logger.warning("could not analyze the loaded tables", metadata: ["error": "\(String(reflecting: error))"])
        }
        return summary
    }

    private func loadInOneTransaction(_ source: any LoadSource) async throws -> LoadSummary {
        try await transaction("load") { connection in
            do {
                var summary = LoadSummary()
                var events = EventRecorder.Load()
                let now = nowMilliseconds
                while let chunk = try source.next() {
                    try await load(chunk, connection)
                    try await record(events.drafts(for: chunk), connection, now: now)
                    summary.count(chunk)
                }
                return summary
            } catch let error as TallyError {
                throw error
            } catch {
                throw storageError(error, during: "load")
            }
        }
    }

    private func load(_ chunk: LoadChunk, _ connection: PostgresConnection) async throws {
        switch chunk {
        case .realm(let realm):
            if try await row(connection, Self.statements.realm(realm.value.id)) != nil {
                throw TallyError.loadClash(line: realm.line, "realm \(realm.value.id)", clash: "a realm already stored")
            }
            try await insertRow(
                connection, Self.statements.insert(realm.value), line: realm.line, "realm \(realm.value.id)")
        case .existingRealm(let realm):
            try await requireRealm(connection, realm)
        case .currencies(let rows):
            for row in rows {
                try await insertRow(
                    connection, Self.statements.insert(row.value), line: row.line, "currency \(row.value.id)")
            }
        case .members(let rows):
            let members = rows.map(\.value)
            try await bulkThenRows(rows, connection) {
                try await insert(members, connection) { index, kind in
                    kind.map { .loadCredentialTaken(line: rows[index].line, $0, of: members[index].credentials) }
                        ?? .loadClash(
                            line: rows[index].line, "member \(members[index].id)", clash: "a member already stored")
                }
            } row: { row in
                try await insertRow(
                    connection, Self.statements.insert(row.value), line: row.line, "member \(row.value.id)")
            }
        case .credentials(let rows):
            for row in rows {
                for statement in Self.statements.insert(row.value) {
                    try await insertRow(connection, statement, line: row.line, "credential \(row.value.id)")
                }
            }
        case .holders(let rows):
            for row in rows {
                try await insertRow(
                    connection, Self.statements.insert(row.value), line: row.line, "holder \(row.value.id)")
            }
        case .entries(let rows):
            for start in stride(from: 0, to: rows.count, by: Self.loadChunkRows) {
                let part = Array(rows[start..<min(start + Self.loadChunkRows, rows.count)])
                try await bulkThenRows(part, connection) {
                    try await insertEntries(part.map(\.value), connection)
                } row: { row in
                    try await insertRow(connection, Self.statements.insert(row.value), line: row.line, "journal entry")
                }
            }
        case .balances(let rows):
            for start in stride(from: 0, to: rows.count, by: Self.loadChunkRows) {
                let part = Array(rows[start..<min(start + Self.loadChunkRows, rows.count)])
                try await bulkThenRows(part, connection) {
                    try await insertBalances(part.map(\.value), connection)
                } row: { row in
                    try await insertRow(connection, Self.statements.insert(row.value), line: row.line, "balance")
                }
            }
        case .keys(let rows):
            for row in rows {
                try await insertRow(
                    connection, Self.statements.insert(row.value), line: row.line, "key \(row.value.id)")
            }
        }
    }

    /// Runs `bulk` under a savepoint; when a constraint refuses it, rolls it back and runs `row`
    /// for each row instead (under a savepoint rolled back in the end), so that the error names
    /// the row's line. A failure of another kind is thrown as it is.
    private func bulkThenRows<Value>(
        _ rows: [Lined<Value>], _ connection: PostgresConnection, bulk: () async throws -> Void,
        row: (Lined<Value>) async throws -> Void
    ) async throws {
        try await run(connection, "SAVEPOINT load_chunk")
        do {
            try await bulk()
            try await run(connection, "RELEASE SAVEPOINT load_chunk")
        } catch {
            guard Self.isConstraintViolation(error) else { throw error }
            try await run(connection, "ROLLBACK TO SAVEPOINT load_chunk")
            for each in rows { try await row(each) }
            throw error
        }
    }

    /// True for an integrity constraint violation (SQLSTATE class 23) or a refusal raised by a
    /// trigger with a constraint's code.
    static func isConstraintViolation(_ error: any Error) -> Bool {
        sqlState(error)?.hasPrefix("23") == true
    }

    /// Runs one insert; a constraint it breaks becomes an error naming `line`.
    private func insertRow(_ connection: PostgresConnection, _ statement: SQLStatement, line: Int, _ what: String)
        async throws
    {
        do {
            try await run(connection, statement.query)
        } catch  where Self.isConstraintViolation(error) {
            let message = (error as? PSQLError)?.serverInfo?[.message] ?? "a constraint failed"
            let reason = Self.constraint(error).map { "\($0): \(message)" } ?? message
            if Self.isUniqueViolation(error) {
                throw TallyError.loadClash(
                    line: line, what, clash: "a record already stored or earlier in the file (\(reason))")
            }
            throw TallyError.loadRefused(line: line, what, because: reason)
        }
    }

    /// Entries in one statement, numbered in the order given (`WITH ORDINALITY`). postgres-nio
    /// encodes no optional array elements, so a flag marks which entries have an initiator.
    private func insertEntries(_ entries: [JournalEntry], _ connection: PostgresConnection) async throws {
        let ids = entries.map(\.id.rawValue), realms = entries.map(\.realmID.rawValue)
        let members = entries.map(\.memberID.rawValue), currencies = entries.map(\.currencyID.rawValue)
        let amounts = entries.map(\.amount), befores = entries.map(\.balanceBefore)
        let afters = entries.map(\.balanceAfter), batches = entries.map(\.batchID.rawValue)
        let hasInitiator = entries.map { $0.initiatorID != nil }, initiators = entries.map { $0.initiatorID ?? "" }
        let kinds = entries.map(\.kind.rawValue), created = entries.map(\.createdAtMilliseconds)
        try await run(
            connection,
            """
            INSERT INTO journal (id, realm_id, member_id, currency_id, amount, balance_before, balance_after, batch_id,
                initiator_id, kind, created_at)
            SELECT i, r, m, c, a, b, f, t, CASE WHEN h THEN n END, k, w
            FROM unnest(\(ids)::text[], \(realms)::text[], \(members)::text[], \(currencies)::text[],
                \(amounts)::int8[], \(befores)::int8[], \(afters)::int8[], \(batches)::text[], \(hasInitiator)::bool[],
                \(initiators)::text[], \(kinds)::text[], \(created)::int8[])
                WITH ORDINALITY AS v(i, r, m, c, a, b, f, t, h, n, k, w, o)
            ORDER BY o
            """)
    }

    /// Balances in one statement.
    private func insertBalances(_ balances: [StoredBalance], _ connection: PostgresConnection) async throws {
        let realms = balances.map(\.realmID.rawValue), currencies = balances.map(\.currencyID.rawValue)
        let members = balances.map(\.memberID.rawValue), amounts = balances.map(\.balance)
        let updated = balances.map(\.updatedAtMilliseconds)
        try await run(
            connection,
            """
            INSERT INTO balances (realm_id, currency_id, member_id, balance, updated_at)
            SELECT * FROM unnest(\(realms)::text[], \(currencies)::text[], \(members)::text[], \(amounts)::int8[],
                \(updated)::int8[])
            """)
    }
}
