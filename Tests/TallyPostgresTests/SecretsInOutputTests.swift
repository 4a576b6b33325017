import Foundation
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A database password given in `--database` never appears in what a command prints: not on
/// stdout, not on stderr, not in the server's log at its most verbose, whether the command
/// succeeds or fails.
@Suite(.serialized, .enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct SecretsInOutputTests {
    /// Every command of the command line, run against a real database with a password.
    @Test func noCommandPrintsTheDatabasePassword() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        let password = PostgresServer.password
        #expect(url.contains(":\(password)@"), "the URL under test carries the password")
        let db = ["--database", url]
        var outputs = [(String, TallyProcess.Result)]()
        func run(_ arguments: [String], stdin: String? = nil) throws -> TallyProcess.Result {
            let result = try TallyProcess.run(arguments + db, stdin: stdin)
            outputs.append((arguments.prefix(2).joined(separator: " "), result))
            #expect(result.status == 0, "tally \(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }

        _ = try run(["migrate"])
        let realm = try #require(try run(["realm", "create", "--name", "Guild"]).jsonLines.first?["id"] as? String)
        _ = try run(["currency", "create", "--realm", realm, "--name", "XP", "--default"])
        _ = try run(["member", "create", "--realm", realm, "--username", "ann"])
        _ = try run(["member", "import", "--realm", realm, "-"], stdin: "username\nbob\ncid\n")
        let key = try #require(try run(["key", "create", "--realm", realm]).jsonLines.first?["id"] as? String)
        _ = try run(["key", "list"])
        _ = try run(["key", "revoke", key])
        _ = try run(["realm", "list"])
        _ = try run(["verify"])

        // The server at its most verbose, through start, a request and shutdown.
        let serve = try ServerProcess(arguments: db + ["--log-level", "trace"])
        let (_, response) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(serve.port)/api/v1/realms/\(realm)")!)
        #expect(!response.description.isEmpty)
        serve.stop()
        let served = (serve.stdout.finish(), serve.stderr.finish())
        #expect(served.0.contains("\"listening\""), "the server announced itself: \(served.0)")

        // Failures: a wrong password and a server that does not answer. Their messages name the
        // URL only without its password.
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let badURLs = [
            url.replacingOccurrences(of: ":\(password)@", with: ":\(wrong)@"),
            "postgres://tally:\(wrong)@127.0.0.1:1/none?sslmode=disable",
        ]
        var failures = [(String, TallyProcess.Result)]()
        for bad in badURLs {
            for arguments in [["migrate"], ["verify"], ["realm", "list"], ["serve", "--port", "0"]] {
                let result = try TallyProcess.run(arguments + ["--database", bad], timeout: 60)
                #expect(
                    result.status != 0,
                    "tally \(arguments[0]) must fail on \(bad.contains(":1/") ? "a closed port" : "a wrong password")")
                failures.append((arguments[0], result))
            }
        }

        for (command, result) in outputs {
            #expect(!result.stdout.contains(password), "tally \(command) printed the password on stdout")
            #expect(!result.stderr.contains(password), "tally \(command) printed the password on stderr")
        }
        #expect(!served.0.contains(password), "serve printed the password on stdout")
        #expect(!served.1.contains(password), "serve logged the password")
        for (command, result) in failures {
            #expect(
                !result.stdout.contains(wrong) && !result.stderr.contains(wrong),
                "failing tally \(command) printed the password")
            #expect(!result.stderr.isEmpty, "failing tally \(command) said why")
        }
        await server.dropDatabase(url)
    }
}
