import Foundation
import TallyTestSupport
import Testing

/// `tally import` refuses a bad file whole: the message names the line, and the database holds
/// exactly what it held before, on SQLite and on PostgreSQL.
@Suite struct ImportTests {
    /// A database with one realm (a currency, members, a batch); its export with the journal.
    static func populated(_ db: [String]) throws -> String {
        let realm = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Guild"] + db).jsonLines.first?["id"] as? String)
        _ = try TallyProcess.run(["currency", "create", "--realm", realm, "--name", "XP", "--default"] + db)
        let members = try TallyProcess.run(
            ["member", "import", "--realm", realm, "-"] + db, stdin: "username,discord-id\nann,1\nbob,2\n")
        #expect(members.status == 0, "\(members.stderr)")
        return try export(db)
    }

    static func export(_ db: [String]) throws -> String {
        let result = try TallyProcess.run(["export", "--journal", "--keys"] + db)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").dropFirst().joined(separator: "\n")
    }

    /// An export of a realm "Other" with one member named `username` and 5 points, as lines.
    static func otherRealm(username: String) throws -> [String] {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let realm = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Other"] + db).jsonLines.first?["id"] as? String)
        _ = try TallyProcess.run(["currency", "create", "--realm", realm, "--name", "Gems", "--default"] + db)
        _ = try TallyProcess.run(
            ["member", "import", "--realm", realm, "-"] + db, stdin: "username\n\(username)\nzed\n")
        let lines = try TallyProcess.run(["export", "--journal"] + db).stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(lines)")
        return lines
    }

    /// (what, the file, what the message begins with).
    static func badFiles(_ own: [String], _ other: [String]) -> [(String, String, String)] {
        let newer = other[0].replacingOccurrences(of: "\"format\":1", with: "\"format\":7")
        let newerTally = other[0].replacingOccurrences(
            of: "\"tallyVersion\":\"0.2.0\"", with: "\"tallyVersion\":\"3.0.0\"")
        return [
            ("a truncated export", other.dropLast().joined(separator: "\n"), "The file ends after line 5"),
            (
                "a line cut in half", (other.dropLast() + [String(other.last!.prefix(8))]).joined(separator: "\n"),
                "Line 6"
            ),
            (
                "a line of garbage", (other[0..<3] + ["garbage"] + other[3...]).joined(separator: "\n"),
                "Line 4 is not a record"
            ),
            (
                "an unknown format version", ([newer] + other.dropFirst()).joined(separator: "\n"),
                "Line 1: the export is in format 7"
            ),
            (
                "an export from a newer Tally", ([newerTally] + other.dropFirst()).joined(separator: "\n"),
                "Line 1: the export was written by Tally 3.0.0"
            ),
            ("a realm already there", own.joined(separator: "\n"), "Line 2: the realm"),
        ]
    }

    static func databases() async throws -> [(String, () async -> Void)] {
        let dir = try TemporaryDirectory()
        var databases: [(String, () async -> Void)] = [("sqlite:" + dir.database, { _ = dir })]
        if PostgresServer.available, let server = try await PostgresServer.shared() {
            let url = try await server.makeDatabase()
            databases.append((url, { await server.dropDatabase(url) }))
        }
        return databases
    }

    @Test func aBadFileIsRefusedByLineAndTheDatabaseIsUnchanged() async throws {
        for (url, cleanup) in try await Self.databases() {
            let db = ["--database", url]
            let before = try Self.populated(db)
            let own = try TallyProcess.run(["export", "--journal"] + db).stdout.split(separator: "\n").map(String.init)
            let other = try Self.otherRealm(username: "zoe")
            for (what, file, start) in Self.badFiles(own, other) {
                let result = try TallyProcess.run(["import", "-"] + db, stdin: file + "\n")
                #expect(result.status == 1, "\(what) was accepted on \(url.prefix(8))")
                #expect(result.stderr.hasPrefix("tally: " + start), "\(what): \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(what): nothing on stdout")
                #expect(try Self.export(db) == before, "\(what) changed the database on \(url.prefix(8))")
            }
            // A clash in the second realm of a file (a member twice) leaves the first realm out
            // too: the file is one transaction.
            let first = try Self.otherRealm(username: "yan")
            let second = try Self.otherRealm(username: "kim")
            let twoRealms = first[0..<5] + second[1..<5] + [second[3], #"{"records":9,"type":"end"}"#]
            let refused = try TallyProcess.run(["import", "-"] + db, stdin: twoRealms.joined(separator: "\n") + "\n")
            #expect(refused.status == 1)
            #expect(
                refused.stderr.hasPrefix("tally: Line 10: ") && refused.stderr.contains("member"), "\(refused.stderr)")
            #expect(try Self.export(db) == before, "a refusal late in the file left an earlier realm behind")
            await cleanup()
        }
    }
}
