import PostgresNIO
import TallyCore

extension PostgresLedgerStore {
    /// Reads the selection on one connection in one REPEATABLE READ READ ONLY transaction, so
    /// writers go on and every record comes from one snapshot, in keyset pages of
    /// `ExportReads.pageSizeStandard` rows, each a range of a primary key: memory stays bounded
    /// by a page whatever the size, and no page sorts more than itself. Rows are handed to
    /// `record` as they stream from the server.
    public func export(
        _ selection: ExportSelection, into record: @escaping @Sendable (StoredRecord) throws -> Void
    ) async throws {
        do {
            try await transaction("export", .reading) { connection in
                var emitted = false
                do {
                    var reads = ExportReads(selection, Self.statements, pageSize: ExportReads.pageSizeStandard)
                    while let statement = reads.statement {
                        try connection.requireOpen()
                        for try await row in try await connection.query(statement.query, logger: logger) {
                            if let value = try reads.take(PostgresStoredRow(row.makeRandomAccess())) {
                                emitted = true
                                try ExportInterruption.emit(value, to: record)
                            }
                        }
                        try reads.advance()
                    }
                } catch let error where emitted && !(error is TallyError || error is ExportInterruption) {
                    // Records are out: the transaction must not be run again (`transaction` retries
                    // a serialization failure), or they would come twice.
                    throw ExportInterruption(error: storageError(error, during: "export"))
                }
            }
        } catch let interruption as ExportInterruption {
            throw interruption.error
        }
    }

    public func exportRecordCount(_ selection: ExportSelection) async throws -> Int {
        try await transaction("export count", .reading) { connection in
            try await count(connection, Self.statements.exportCount(selection).query)
        }
    }
}
