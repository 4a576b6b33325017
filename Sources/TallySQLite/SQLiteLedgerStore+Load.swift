import GRDB
import TallyCore

extension SQLiteLedgerStore: LedgerLoader {
    /// Takes the writer for one transaction of its own (between two groups of the group
    /// committer) and writes every chunk the source yields in it. Any error rolls it all back.
    public func load(_ source: any LoadSource) async throws -> LoadSummary {
        let (ids, now, memory) = (self.ids, nowMilliseconds, committer.memory)
        do {
            return try await write("load") { db in
                // The balances table covers every batch before the load writes into it, and the
                // load's own entries after.
                try LedgerCheckpoint.run(db)
                var summary = LoadSummary()
                var events = EventRecorder.Load()
                while let chunk = try source.next() {
                    try Self.load(chunk, db)
                    try Self.record(events.drafts(for: chunk), db, now: now, ids: ids)
                    summary.count(chunk)
                }
                try LedgerCheckpoint.run(db)
                memory.forget()
                return summary
            }
        } catch {
            // Whatever the writer held may no longer match the table: start again from the journal.
            committer.requireCheckpoint()
            throw error
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
