import GRDB
import TallyCore

extension SQLiteLedgerStore: LedgerLoader {
    /// Takes the writer for one transaction of its own (between two groups of the group
    /// committer) and writes every chunk the source yields in it. Any error rolls it all back.
    ///
    /// The balances live in the balance file, which follows the journal (docs/decisions/0009), so
    /// the loaded balance records are not written: they go to a temporary table, and each must be
    /// the balance the loaded journal entries leave, or the load is refused.
    public func load(_ source: any LoadSource) async throws -> LoadSummary {
        let (ids, now) = (self.ids, nowMilliseconds)
        // The writer forgets what it remembers and waits for the balance file before its next group.
        defer { committer.requireResettle() }
        return try await write("load") { db in
            let before = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM main.journal") ?? 0
            try db.execute(sql: BalanceFile.createBalances("temp.balances"))
            var summary = LoadSummary()
            var events = EventRecorder.Load()
            while let chunk = try source.next() {
                try Self.load(chunk, db)
                try Self.record(events.drafts(for: chunk), db, now: now, ids: ids)
                summary.count(chunk)
            }
            try Self.checkLoadedBalances(db, after: before)
            try db.execute(sql: "DROP TABLE temp.balances")
            return summary
        }
    }

    /// Refuses the load when a loaded balance is not the one its journal entries leave, or an
    /// entry leaves a balance the file does not give.
    private static func checkLoadedBalances(_ db: Database, after before: Int64) throws {
        let derived = """
            WITH derived AS (
                SELECT realm_id, currency_id, member_id, balance_after AS balance FROM (
                    SELECT realm_id, currency_id, member_id, balance_after,
                        row_number() OVER (PARTITION BY realm_id, currency_id, member_id ORDER BY seq DESC) AS place
                    FROM main.journal WHERE seq > ?
                ) WHERE place = 1
            )
            """
        let mismatch = try Row.fetchOne(
            db,
            sql: """
                \(derived)
                SELECT t.member_id, t.currency_id, t.balance AS given, COALESCE(d.balance, 0) AS left
                FROM temp.balances t LEFT JOIN derived d
                    ON d.realm_id = t.realm_id AND d.currency_id = t.currency_id AND d.member_id = t.member_id
                WHERE t.balance != COALESCE(d.balance, 0)
                UNION ALL
                SELECT d.member_id, d.currency_id, 0, d.balance
                FROM derived d LEFT JOIN temp.balances t
                    ON d.realm_id = t.realm_id AND d.currency_id = t.currency_id AND d.member_id = t.member_id
                WHERE t.member_id IS NULL AND d.balance != 0
                LIMIT 1
                """,
            arguments: [before])
        if let mismatch {
            let (member, currency, given, left): (String, String, Int64, Int64) =
                (mismatch[0], mismatch[1], mismatch[2], mismatch[3])
            throw TallyError.validation(
                "The balance of member \(member) in currency \(currency) is \(given) in the file, but its journal "
                    + "entries leave \(left); nothing was loaded.")
        }
    }

    static func load(_ chunk: LoadChunk, _ db: Database) throws {
        switch chunk {
        case .realm(let realm):
            if try db.row(statements.realm(realm.value.id)) != nil {
                throw TallyError.loadClash(line: realm.line, "realm \(realm.value.id)", clash: "a realm already stored")
            }
            try insertRow(db, statements.insert(realm.value), line: realm.line, "realm \(realm.value.id)")
        case .existingRealm(let realm):
            try requireRealm(db, realm)
        case .currencies(let rows):
            for row in rows {
                try insertRow(db, statements.insert(row.value), line: row.line, "currency \(row.value.id)")
            }
        case .members(let rows):
            try loadMembers(rows, db)
        case .credentials(let rows):
            for row in rows {
                for statement in statements.insert(row.value) {
                    try insertRow(db, statement, line: row.line, "credential \(row.value.id)")
                }
            }
        case .holders(let rows):
            for row in rows {
                try insertRow(db, statements.insert(row.value), line: row.line, "holder \(row.value.id)")
            }
        case .entries(let rows):
            try insertInBulk(rows, { try BulkInsert(entries: db, rows: $0) }) { row in
                try insertRow(db, statements.insert(row.value), line: row.line, "journal entry")
            }
        case .balances(let rows):
            try insertInBulk(rows, { try BulkInsert(balances: db, rows: $0) }) { row in
                try insertRow(db, statements.insert(row.value), line: row.line, "balance")
            }
        case .keys(let rows):
            for row in rows { try insertRow(db, statements.insert(row.value), line: row.line, "key \(row.value.id)") }
        }
    }

    /// Members many to a statement (`insert`), with a clash named by its line.
    private static func loadMembers(_ rows: [Lined<Member>], _ db: Database) throws {
        let members = rows.map(\.value)
        do {
            try db.inSavepoint {
                try insert(members, db) { index, kind in
                    kind.map { .loadCredentialTaken(line: rows[index].line, $0, of: members[index].credentials) }
                        ?? .loadClash(
                            line: rows[index].line, "member \(members[index].id)", clash: "a member already stored")
                }
                return .commit
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // Not a credential (an id twice, a realm absent): the savepoint undid the chunk; find
            // the row by inserting them again one by one, and undo that too.
            try db.inSavepoint {
                for row in rows {
                    try insertRow(db, statements.insert(row.value), line: row.line, "member \(row.value.id)")
                }
                return .rollback
            }
            throw error
        }
    }

    /// Inserts `rows` in order, `insertChunkRows` to a statement (`bulk` makes the statement);
    /// the rows of a statement that a constraint refused, and the rows past the last full
    /// statement, go one by one through `one`, whose error names the row's line.
    private static func insertInBulk<Value>(
        _ rows: [Lined<Value>], _ bulk: (_ rows: Int) throws -> BulkInsert<Value>, one: (Lined<Value>) throws -> Void
    ) throws {
        let statement = rows.count >= insertChunkRows ? try bulk(insertChunkRows) : nil
        defer { statement?.finalize() }
        var start = 0
        while start < rows.count {
            let end = min(start + insertChunkRows, rows.count)
            if let statement, end - start == statement.rows,
                try statement.insert(rows[start..<end].lazy.map(\.value))
            {
                start = end
                continue
            }
            for row in rows[start..<end] { try one(row) }
            start = end
        }
    }

    /// Runs one insert; a constraint it breaks becomes an error naming `line`.
    private static func insertRow(_ db: Database, _ statement: SQLStatement, line: Int, _ what: String) throws {
        do {
            try db.execute(statement, cached: true)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            let reason = error.message ?? "a constraint failed"
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                throw TallyError.loadClash(
                    line: line, what, clash: "a record already stored or earlier in the file (\(reason))")
            default:
                throw TallyError.loadRefused(line: line, what, because: reason)
            }
        }
    }
}
