import Foundation
import TallyCore
import TallyTestSupport
import Testing

@testable import tally

/// `tally member import` with balance columns, run as a user would (the real binary), on SQLite
/// and, when it is installed, PostgreSQL. What the database holds afterwards is read through the
/// same store the command opens (`DatabaseOptions`).
@Suite struct MemberImportCommandTests {
    enum Database: String, Sendable, CustomTestStringConvertible {
        case sqlite
        case postgres

        static let all: [Database] = PostgresServer.available ? [.sqlite, .postgres] : [.sqlite]

        var testDescription: String { rawValue }

        /// A fresh, empty database.
        func url(in directory: TemporaryDirectory) async throws -> String {
            switch self {
            case .sqlite: return directory.database
            case .postgres:
                guard let server = try await PostgresServer.shared() else {
                    throw PostgresServerFailure(description: "PostgreSQL is not installed")
                }
                return try await server.makeDatabase()
            }
        }
    }

    /// A realm with `Points` (the default, floor 0) and `Gems` (-100 to 1,000), and one member
    /// holding 5 points.
    struct Setup {
        let directory: TemporaryDirectory
        let url: String
        let realm: String

        var db: [String] { ["--database", url] }

        init(_ database: Database) async throws {
            directory = try TemporaryDirectory()
            url = try await database.url(in: directory)
            let db = ["--database", url]
            realm = try #require(
                try TallyProcess.run(["realm", "create", "--name", "Guild"] + db).jsonLines.first?["id"] as? String)
            for currency in [
                ["--name", "Points", "--default"],
                ["--name", "Gems", "--minimum-balance=-100", "--maximum-balance=1000"],
            ] {
                let created = try TallyProcess.run(["currency", "create", "--realm", realm] + currency + db)
                #expect(created.status == 0, "\(created.stderr)")
            }
            let first = try TallyProcess.run(
                ["member", "import", "--realm", realm, "-"] + db, stdin: "username,balance:points\nexisting,5\n")
            #expect(first.status == 0, "\(first.stderr)")
        }

        /// Runs `body` with the database's store, as the command line opens it.
        func withStore<T>(_ body: (any LedgerStore, RealmID) async throws -> T) async throws -> T {
            let options = try DatabaseOptions.parse(["--database", url])
            let realmID = try #require(RealmID(realm))
            return try await options.withStore(logger: PostgresServer.storeLogger) { try await body($0, realmID) }
        }

        /// The members, journal entries and balances the database holds.
        func counts() async throws -> [Int] {
            try await withStore { store, realm in
                let members = try await store.listMembers(
                    in: realm, query: MemberQuery(page: try PageRequest(page: 1, limit: 1))
                ).total
                let report = try await store.verify { _ in }
                return [members, report.entriesChecked, report.balancesChecked]
            }
        }
    }

    @Test(arguments: Database.all)
    func balancesComeInAsGivenWithImportEntriesAndVerifyPasses(database: Database) async throws {
        let setup = try await Setup(database)
        let csv = """
            username,discord-id,balance:points, Balance:GEMS
            ann,111,1500,-20
            bob,222,,7
            cid,333,0,

            """
        let imported = try TallyProcess.run(
            ["member", "import", "--realm", setup.realm, "--initiator", "drip dashboard export", "-"] + setup.db,
            stdin: csv)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.jsonLines.map { $0["username"] as? String } == ["ann", "bob", "cid"])
        #expect(imported.stderr.contains("imported 3 members and 3 balances"), "\(imported.stderr)")
        let ids = imported.jsonLines.compactMap { ($0["id"] as? String).flatMap(MemberID.init) }
        try #require(ids.count == 3)

        try await setup.withStore { store, realm in
            let currencies = try await store.currencies(in: realm)
            let points = try #require(currencies.first { $0.name == "Points" }).id
            let gems = try #require(currencies.first { $0.name == "Gems" }).id
            let expected: [[(CurrencyID, Int64)]] = [[(points, 1500), (gems, -20)], [(gems, 7)], []]
            var batches = Set<BatchID>()
            for (id, balances) in zip(ids, expected) {
                let details = try await store.memberDetails(id, in: realm)
                #expect(details.member.credentials.discordId != nil)
                let entries = try await store.journal(of: id, in: realm, limit: 10)
                #expect(entries.count == balances.count, "one entry per balance given")
                for (currency, amount) in balances {
                    #expect(
                        try await store.balance(BalanceKey(currencyID: currency, memberID: id), in: realm) == amount)
                    let entry = try #require(entries.first { $0.currencyID == currency })
                    #expect(entry.kind == .imported)
                    #expect(entry.amount == amount && entry.balanceBefore == 0 && entry.balanceAfter == amount)
                    #expect(entry.initiatorID == "drip dashboard export")
                    batches.insert(entry.batchID)
                }
            }
            #expect(batches.count == 1, "the import's opening entries share a batch")
        }
        let verify = try TallyProcess.run(["verify"] + setup.db)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.jsonLines.first?["ok"] as? Bool == true)
    }

    /// A file that fails, at whatever row and for whatever reason, leaves the database as it was
    /// and prints no member; the error names the line.
    static let refusals: [(name: String, csv: String, mentions: [String])] = [
        ("below the floor", "username,balance:Points\nann,10\nbob,-5\n", ["CSV line 3", "-5", "range 0 to"]),
        ("above the ceiling", "username,balance:Gems\nann,1000\nbob,1001\n", ["CSV line 3", "1001", "-100 to 1000"]),
        ("an unknown currency", "username,balance:Stars\nann,1\n", ["(line 1)", "Stars", "Points, Gems"]),
        ("not a whole number", "username,balance:Points\nann,1.5\n", ["CSV line 2", "not a whole number"]),
        (
            "past 64 bits", "username,balance:Points\nann,1\nbob,9223372036854775808\n",
            ["CSV line 3", "64-bit integer"]
        ),
        (
            "a clash in the second chunk",
            "username,balance:Points\n"
                + (0..<12_000).map { "\($0 == 9_000 ? "existing" : "user\($0)"),\($0 % 50)" }.joined(separator: "\n")
                + "\n",
            ["Line 9002", "username 'existing'", "already exists"]
        ),
    ]

    @Test(arguments: Database.all, refusals.indices)
    func eachRefusalNamesItsLineAndLeavesTheDatabaseAsItWas(database: Database, index: Int) async throws {
        let refusal = Self.refusals[index]
        let setup = try await Setup(database)
        let before = try await setup.counts()
        #expect(before == [1, 1, 1])
        let failed = try TallyProcess.run(
            ["member", "import", "--realm", setup.realm, "-"] + setup.db, stdin: refusal.csv)
        #expect(failed.status != 0, "\(refusal.name)")
        for text in refusal.mentions {
            #expect(failed.stderr.contains(text), "\(refusal.name): \(failed.stderr)")
        }
        #expect(failed.stdout.isEmpty, "\(refusal.name): a failed import prints no member")
        #expect(try await setup.counts() == before, "\(refusal.name): nothing of the failed import stays")
    }

    @Test func theProgressLineGivesTheRateOfRowsAndAnEstimate() {
        let meter = ProgressMeter("member import", unit: "bytes", total: 2_000_000, countUnit: "rows", enabled: false)
        let text = meter.text(1_000_000, count: 20_000, now: Date().addingTimeInterval(10))
        #expect(text.hasPrefix("member import: 1.0 MB of 2.0 MB (50%), "), "\(text)")
        #expect(text.contains(", 20,000 rows at ") && text.contains(" rows/s, about "), "\(text)")
        #expect(text.hasSuffix(" left"), "\(text)")
    }
}
