import Foundation
import Synchronization
import TallyCore
import TallyPortability
import TallyPostgres
import TallySQLite
import TallyStoreConformance
import TallyTestSupport
import Testing

/// Two stores holding the same ledger export the same lines, byte for byte: the ledger of the
/// export conformance cases, built with the same clock and ids on SQLite and on PostgreSQL.
@Suite(.enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct ExportParityTests {
    @Test func sqliteAndPostgresExportTheSameLinesForTheSameLedger() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-parity-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try await server.makeDatabase()
        do {
            try await ServiceScope.with { scope in
                let sqliteTime = TallyClock.Manual(ExportLedger.start)
                let sqlite = scope.start(
                    try SQLiteLedgerStore(
                        path: directory.appendingPathComponent("tally.sqlite").path, clock: sqliteTime.clock,
                        ids: ExportLedger.ids(on: sqliteTime.clock)))
                let postgresTime = TallyClock.Manual(ExportLedger.start)
                let postgres = scope.start(
                    try PostgresLedgerStore(
                        url: url, poolSize: 2, clock: postgresTime.clock, ids: ExportLedger.ids(on: postgresTime.clock),
                        logger: PostgresServer.storeLogger, connectionWait: PostgresServer.connectionWait))
                try await postgres.migrate()
                let built = try await ExportLedger.build(on: sqlite, time: sqliteTime)
                _ = try await ExportLedger.build(on: postgres, time: postgresTime)

                for selection in [
                    ExportSelection(journal: true, keys: true), ExportSelection(),
                    ExportSelection(realm: built.guild, journal: true, keys: true),
                ] {
                    let fromSQLite = try await lines(sqlite, selection)
                    let fromPostgres = try await lines(postgres, selection)
                    #expect(fromSQLite.count > 10, "\(selection)")
                    #expect(fromSQLite.count == fromPostgres.count, "\(selection)")
                    for (index, (left, right)) in zip(fromSQLite, fromPostgres).enumerated() where left != right {
                        Issue.record("\(selection), record \(index):\n  SQLite:     \(left)\n  PostgreSQL: \(right)")
                        break
                    }
                }
            }
        } catch {
            await server.dropDatabase(url)
            throw error
        }
        await server.dropDatabase(url)
    }

    /// The record lines of an export, as `ExportWriter` writes them.
    private func lines(_ store: some LedgerStore, _ selection: ExportSelection) async throws -> [String] {
        let collected = Collected()
        try await store.export(selection) { record in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line = String(decoding: try ExportRecord(record).encoded(with: encoder), as: UTF8.self)
            collected.lines.withLock { $0.append(line) }
        }
        return collected.lines.withLock { $0 }
    }
}

private final class Collected: Sendable {
    let lines = Mutex<[String]>([])
}
