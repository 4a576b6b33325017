import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// Reads the selection in one read transaction on a reader connection, so writers go on and
    /// every record comes from one snapshot. Each part of a realm is one statement whose rows are
    /// handed to `record` as the cursor steps through them; the engine sorts what no index
    /// orders (the journal by `seq` within a realm, balances by member), spilling to temporary
    /// files rather than holding it in memory.
    public func export(
        _ selection: ExportSelection, into record: @escaping @Sendable (StoredRecord) throws -> Void
    ) async throws {
        do {
            // The balances table covers the journal up to its checkpoint, and the export reads
            // the journal only that far, so both are of one moment; settling first makes that
            // moment include every write answered before the export began.
            try await committer.settle()
            try await pool.read { db in
                // The balance file's snapshot first (as `readSettled`).
                _ = try BalanceFile.covered(db)
                var reads = ExportReads(selection, Self.statements, pageSize: nil)
                while let statement = reads.statement {
                    let rows = try Row.fetchCursor(db, sql: statement.text, arguments: statement.arguments)
                    while let row = try rows.next() {
                        if let value = try reads.take(SQLiteStoredRow(row)) {
                            try ExportInterruption.emit(value, to: record)
                        }
                    }
                    try reads.advance()
                }
            }
        } catch let interruption as ExportInterruption {
            throw interruption.error
        } catch {
            throw storageError(error, during: "export")
        }
    }

    public func exportRecordCount(_ selection: ExportSelection) async throws -> Int {
        try await readSettled("export count") { db in try db.count(Self.statements.exportCount(selection)) }
    }
}
