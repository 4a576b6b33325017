import Foundation
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A database password given in `--database` never appears in what a command prints: not on
/// stdout, not on stderr, not in the server's log at its most verbose (in either log format),
/// whether the command succeeds or fails; nor does an API key's secret reach the server's log
/// (its request lines name the key by id only).
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
        let live = try #require(try run(["key", "create", "--realm", realm]).jsonLines.first)
        let liveSecret = try #require(live["secret"] as? String)
        let liveID = try #require(live["id"] as? String)
        let wrongSecret = String(liveSecret.dropLast(64)) + String(repeating: "e", count: 64)
        _ = try run(["key", "list"])
        _ = try run(["key", "revoke", key])
        _ = try run(["realm", "list"])
        _ = try run(["verify"])
        _ = try run(["export", "--journal", "--keys"])

        // The server at its most verbose, in both log formats, through start, requests (without
        // a key, with a valid key, with a wrong secret) and shutdown.
        var served = [(format: String, stdout: String, stderr: String)]()
        for format in ["text", "json"] {
            let serve = try ServerProcess(arguments: db + ["--log-level", "trace", "--log-format", format])
            for secret in [nil, liveSecret, wrongSecret] {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(serve.port)/api/v1/realms/\(realm)")!)
                if let secret { request.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization") }
                let (_, response) = try await URLSession.shared.data(for: request)
                #expect(!response.description.isEmpty)
            }
            serve.stop()
            served.append((format, serve.stdout.finish(), serve.stderr.finish()))
        }
        for (format, stdout, stderr) in served {
            #expect(stdout.contains("\"listening\""), "the server announced itself: \(stdout)")
            #expect(stderr.contains(liveID), "\(format): the request lines name the key by its id")
            for secret in [liveSecret, wrongSecret] {
                #expect(!stderr.contains(String(secret.suffix(64))), "\(format): a key secret reached the log")
                #expect(!stdout.contains(String(secret.suffix(64))), "\(format): a key secret reached stdout")
            }
        }
        let jsonLines = try #require(served.last).stderr.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!jsonLines.isEmpty)
        for line in jsonLines {
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any],
                "every line of --log-format json is a JSON object: \(line)")
        }

        // Failures: a wrong password and a server that does not answer. Their messages name the
        // URL only without its password.
        let wrong = "wrong-\(UUID().uuidString.prefix(8))"
        let badURLs = [
            url.replacingOccurrences(of: ":\(password)@", with: ":\(wrong)@"),
            "postgres://tally:\(wrong)@127.0.0.1:1/none?sslmode=disable",
        ]
        var failures = [(String, TallyProcess.Result)]()
        for bad in badURLs {
            for arguments in [
                ["migrate"], ["verify"], ["realm", "list"], ["export"], ["serve", "--port", "0"],
                ["serve", "--port", "0", "--log-format", "json"],
            ] {
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
        for (format, stdout, stderr) in served {
            #expect(!stdout.contains(password), "serve (\(format)) printed the password on stdout")
            #expect(!stderr.contains(password), "serve (\(format)) logged the password")
        }
        for (command, result) in failures {
            #expect(
                !result.stdout.contains(wrong) && !result.stderr.contains(wrong),
                "failing tally \(command) printed the password")
            #expect(!result.stderr.isEmpty, "failing tally \(command) said why")
        }
        await server.dropDatabase(url)
    }
}
