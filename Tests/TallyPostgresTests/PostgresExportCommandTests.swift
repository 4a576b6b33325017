import Foundation
import TallyTestSupport
import Testing

/// `tally export` on PostgreSQL, run as a user would: the export alone on stdout, even on a
/// database the command itself migrates first.
@Suite(.enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct PostgresExportCommandTests {
    @Test func anExportFromPostgreSQLIsTheExportAloneOnStdout() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let db = ["--database", url]
        // The first command on a fresh database migrates it: its log lines go to stderr only.
        let empty = try TallyProcess.run(["export", "--journal", "--keys"] + db)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.jsonLines.map { $0["type"] as? String } == ["tally-export", "end"], "\(empty.stdout)")
        #expect(empty.stdout.split(separator: "\n").count == 2, "nothing else on stdout: \(empty.stdout)")
        #expect(empty.jsonLines.last?["records"] as? Int == 0)

        let realm = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Guild"] + db).jsonLines.first?["id"] as? String)
        _ = try TallyProcess.run(["currency", "create", "--realm", realm, "--name", "XP", "--default"] + db)
        _ = try TallyProcess.run(["member", "import", "--realm", realm, "-"] + db, stdin: "username\nann\nbob\n")
        let secret = try #require(
            try TallyProcess.run(["key", "create", "--realm", realm] + db).jsonLines.first?["secret"] as? String)
        _ = try TallyProcess.run(["key", "create", "--admin"] + db)

        let export = try TallyProcess.run(["export", "--journal", "--keys"] + db)
        #expect(export.status == 0, "\(export.stderr)")
        let types = export.jsonLines.map { $0["type"] as? String ?? "?" }
        #expect(types == ["tally-export", "realm", "currency", "member", "member", "key", "key", "end"], "\(types)")
        #expect(export.jsonLines.last?["records"] as? Int == 6)
        #expect(!export.stdout.contains(String(secret.suffix(64))), "a key's secret was exported")
        let again = try TallyProcess.run(["export", "--journal", "--keys"] + db)
        #expect(export.stdout.split(separator: "\n").dropFirst() == again.stdout.split(separator: "\n").dropFirst())

        let unknown = try TallyProcess.run(["export", "--realm", "0123456789abcdef01234567"] + db)
        #expect(unknown.status != 0 && unknown.stderr.contains("not found"), "\(unknown.stderr)")
        #expect(unknown.stdout.isEmpty || unknown.jsonLines.count == 1, "at most the header: \(unknown.stdout)")
        await server.dropDatabase(url)
    }
}
