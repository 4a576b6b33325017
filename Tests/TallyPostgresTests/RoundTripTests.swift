import Foundation
import TallyCore
import TallySQLite
import TallyStoreConformance
import TallyTestSupport
import Testing

/// Moving a ledger between stores with the real command line: SQLite → export → PostgreSQL →
/// export → SQLite → export gives the same lines after the header, and `tally verify` passes at
/// every step.
@Suite(.serviceScope, .enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
struct RoundTripTests {
    /// A SQLite file holding the export conformance ledger (two realms, ghost credentials, every
    /// kind of entry, keys), built with the store's own writes.
    static func sourceDatabase(in directory: URL) async throws -> String {
        let path = directory.appendingPathComponent("source.sqlite").path
        try await ServiceScope.with { scope in
            let time = TallyClock.Manual(ExportLedger.start)
            let store = scope.start(
                try SQLiteLedgerStore(path: path, clock: time.clock, ids: ExportLedger.ids(on: time.clock)))
            _ = try await ExportLedger.build(on: store, time: time)
        }
        return path
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> TallyProcess.Result {
        let result = try TallyProcess.run(arguments, stdin: stdin)
        #expect(result.status == 0, "tally \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    static func verify(_ database: String) throws {
        let result = try run(["verify", "--database", database])
        #expect(result.jsonLines.first?["ok"] as? Bool == true, "verify \(database): \(result.stdout)")
    }

    /// The lines after the header.
    static func body(_ export: String) -> [Substring] { Array(export.split(separator: "\n").dropFirst()) }

    /// Records an issue naming the first line where two exports differ, if any.
    static func expectSame(_ left: String, _ right: String, _ what: String) {
        let (a, b) = (body(left), body(right))
        guard a != b else { return }
        let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        let first = index < a.count ? String(a[index]) : "(end)"
        let second = index < b.count ? String(b[index]) : "(end)"
        Issue.record("\(what): line \(index + 2) differs:\n  \(first)\n  \(second)")
    }

    /// Runs `body` with a scratch directory, a fresh PostgreSQL database and the source SQLite
    /// file, and removes them afterwards.
    static func withTrip(_ body: (_ directory: URL, _ postgres: String, _ source: String) async throws -> Void)
        async throws
    {
        guard let server = try await PostgresServer.shared() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-trip-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let postgres = try await server.makeDatabase()
        defer { Task { await server.dropDatabase(postgres) } }
        try await body(directory, postgres, try await sourceDatabase(in: directory))
    }

    @Test(arguments: [["--journal", "--keys"], ["--journal"]])
    func aLedgerMakesTheTripThroughPostgreSQLAndBackUnchanged(_ flags: [String]) async throws {
        try await Self.withTrip { directory, postgres, source in
            let back = directory.appendingPathComponent("back.sqlite").path

            try Self.verify(source)
            let first = try Self.run(["export"] + flags + ["--database", source]).stdout
            #expect(Self.body(first).count > 20, "the ledger exports: \(first.prefix(300))")
            let intoPostgres = try Self.run(["import", "-", "--database", postgres], stdin: first)
            #expect(intoPostgres.jsonLines.first?["realms"] as? Int == 2, "\(intoPostgres.stdout)")
            try Self.verify(postgres)
            let second = try Self.run(["export"] + flags + ["--database", postgres]).stdout
            _ = try Self.run(["import", "-", "--database", back], stdin: second)
            try Self.verify(back)
            let third = try Self.run(["export"] + flags + ["--database", back]).stdout

            Self.expectSame(first, second, "PostgreSQL's export against SQLite's")
            Self.expectSame(first, third, "the export after the trip against the first")
        }
    }

    /// Without a journal in the file, each non-zero balance arrives with one opening entry of
    /// kind `import`, and the books balance.
    @Test func balancesWithoutAJournalArriveWithOpeningEntries() async throws {
        try await Self.withTrip { _, postgres, source in

            let balancesOnly = try Self.run(["export", "--database", source]).stdout
            _ = try Self.run(["import", "-", "--database", postgres, "--initiator", "moved"], stdin: balancesOnly)
            try Self.verify(postgres)
            let again = try Self.run(["export", "--database", postgres]).stdout
            Self.expectSame(balancesOnly, again, "the same realms, members and balances")

            let journal = try Self.run(["export", "--journal", "--database", postgres]).jsonLines
            let balances = journal.filter { $0["type"] as? String == "balance" && ($0["balance"] as? Int ?? 0) != 0 }
            let entries = journal.filter { $0["type"] as? String == "entry" }
            #expect(!balances.isEmpty)
            #expect(entries.count == balances.count, "one opening entry per non-zero balance")
            #expect(entries.allSatisfy { $0["kind"] as? String == "import" && $0["initiatorId"] as? String == "moved" })
            #expect(Set(entries.compactMap { $0["batchId"] as? String }).count <= 2, "one batch per realm")
        }
    }
}
