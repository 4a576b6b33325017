import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyTestSupport
import Testing

/// `tally serve`'s settings from the environment and a config file, as an operator sets them:
/// each variable changes what the real server does, a flag beats its variable, which beats the
/// file, and a bad value fails startup naming it.
@Suite(.serialized) struct ServeSettingsTests {
    /// The `listening` line and the demo line of a started server.
    func lines(_ server: ServerProcess) throws -> (listening: [String: Any], demo: [String: Any]?) {
        let objects = server.stdout.text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let listening = try #require(objects.first { $0["event"] as? String == "listening" })
        return (listening, objects.first { $0["demo"] as? Bool == true })
    }

    func request(
        _ port: Int, _ method: HTTPRequest.Method, _ path: String, key: String, body: String? = nil
    ) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.execute(
                .init(
                    path, method: method,
                    headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                    body: body.map { ByteBuffer(string: $0) }))
        }
    }

    @Test func everyVariableChangesWhatTheServerDoes() async throws {
        let dir = try TemporaryDirectory()
        let database = dir.url.appendingPathComponent("from-env.sqlite").path
        let server = try ServerProcess(
            arguments: [], directory: dir.url,
            environment: [
                "TALLY_HOST": "127.0.0.1", "TALLY_PORT": "0", "TALLY_DATABASE": database, "TALLY_DEMO": "true",
                "TALLY_BATCH_SIZE_MAX": "2", "TALLY_BODY_BYTES_MAX": "2048", "TALLY_RATE_LIMIT": "1000",
                "TALLY_LOG_LEVEL": "error", "TALLY_IDEMPOTENCY_HOURS": "2", "TALLY_IDLE_TIMEOUT": "90",
                "TALLY_DURABILITY": "normal", "TALLY_POOL_SIZE": "3", "TALLY_LOG_FORMAT": "text",
                "TALLY_METRICS_ADDRESS": "127.0.0.1:0", "TALLY_WEBHOOKS_ALLOW_PRIVATE": "true",
                "TALLY_WEBHOOK_ATTEMPTS": "3", "TALLY_WEBHOOK_RETRY_MS": "250", "TALLY_WEBHOOK_TIMEOUT": "7",
                "TALLY_EVENTS_WAIT_MAX": "4",
            ], defaults: false)
        defer { server.stop() }
        let (listening, demoLine) = try lines(server)
        #expect(listening["database"] as? String == database, "TALLY_DATABASE")
        #expect((listening["url"] as? String)?.hasPrefix("http://127.0.0.1:") == true, "TALLY_HOST")
        let demo = try #require(demoLine, "TALLY_DEMO")
        let settings = try #require(listening["settings"] as? [String: Any])
        #expect(settings["durability"] as? String == "normal", "TALLY_DURABILITY")
        #expect(settings["poolSize"] as? Int == 3, "TALLY_POOL_SIZE")
        #expect(settings["logLevel"] as? String == "error", "TALLY_LOG_LEVEL")
        #expect(settings["idempotencyHours"] as? Int == 2, "TALLY_IDEMPOTENCY_HOURS")
        // Long, so that a starved test process never finds its connection closed before it sends.
        #expect(settings["idleTimeout"] as? Int == 90, "TALLY_IDLE_TIMEOUT")
        // Without the variable, a server whose stderr is a pipe logs JSON.
        #expect(settings["logFormat"] as? String == "text", "TALLY_LOG_FORMAT")
        // (The 413 itself is the hostile-input suite's; a server that refuses a body closes the
        // connection while the client may still be writing it.)
        #expect(settings["bodyBytesMax"] as? Int == 2048, "TALLY_BODY_BYTES_MAX")
        #expect(settings["metricsAddress"] as? String == "127.0.0.1:0", "TALLY_METRICS_ADDRESS")
        #expect(settings["webhooksAllowPrivate"] as? Bool == true, "TALLY_WEBHOOKS_ALLOW_PRIVATE")
        #expect(settings["webhookAttempts"] as? Int == 3, "TALLY_WEBHOOK_ATTEMPTS")
        #expect(settings["webhookRetryMs"] as? Int == 250, "TALLY_WEBHOOK_RETRY_MS")
        #expect(settings["webhookTimeout"] as? Int == 7, "TALLY_WEBHOOK_TIMEOUT")
        #expect(settings["eventsWaitMax"] as? Int == 4, "TALLY_EVENTS_WAIT_MAX")

        let key = try #require((demo["key"] as? [String: Any])?["secret"] as? String)
        let realm = try #require((demo["realm"] as? [String: Any])?["id"] as? String)
        let member = try #require((demo["members"] as? [[String: Any]])?.first?["id"] as? String)
        let batch = "/api/v1/realms/\(realm)/members/transaction"
        let update = #"{"dripId":"\#(member)","amount":1}"#
        let three = try await request(
            server.port, .patch, batch, key: key, body: #"{"updates":[\#(update),\#(update),\#(update)]}"#)
        #expect(three.status == .badRequest, "TALLY_BATCH_SIZE_MAX")
        #expect(three.body.map { String(buffer: $0) }?.contains("at most 2") == true)
        let two = try await request(server.port, .patch, batch, key: key, body: #"{"updates":[\#(update),\#(update)]}"#)
        #expect(two.status == .ok)
        #expect(two.headers[HTTPField.Name("X-RateLimit-Limit")!] == "1000", "TALLY_RATE_LIMIT")
    }

    @Test func aFlagBeatsItsVariableWhichBeatsTheConfigFile() throws {
        let dir = try TemporaryDirectory()
        let config = dir.url.appendingPathComponent("tally.json")
        try Data(
            #"{"hostname": "127.0.0.1", "port": 0, "rate-limit": 50, "batch-size-max": 7, "idle-timeout": 9, "demo": false}"#
                .utf8
        ).write(to: config)
        let fileOnly = try ServerProcess(
            arguments: ["--config", config.path, "--database", "a.sqlite"], directory: dir.url, defaults: false)
        let fromFile = try #require(try lines(fileOnly).listening["settings"] as? [String: Any])
        fileOnly.stop()
        #expect(fromFile["rateLimit"] as? Int == 50)
        #expect(fromFile["batchSizeMax"] as? Int == 7)
        #expect(fromFile["idleTimeout"] as? Int == 9)

        let layered = try ServerProcess(
            arguments: ["--batch-size-max", "5", "--database", "b.sqlite"], directory: dir.url,
            environment: ["TALLY_CONFIG": config.path, "TALLY_BATCH_SIZE_MAX": "6", "TALLY_RATE_LIMIT": "60"],
            defaults: false)
        let both = try #require(try lines(layered).listening["settings"] as? [String: Any])
        layered.stop()
        #expect(both["batchSizeMax"] as? Int == 5, "the flag beats the variable and the file")
        #expect(both["rateLimit"] as? Int == 60, "the variable beats the file")
        #expect(both["idleTimeout"] as? Int == 9, "the file beats the default")
    }

    /// Each malformed value stops startup with a message naming its variable.
    @Test(arguments: [
        ("TALLY_PORT", "eighty"), ("TALLY_PORT", "70000"), ("TALLY_BATCH_SIZE_MAX", "0"),
        ("TALLY_BODY_BYTES_MAX", "12"), ("TALLY_LOG_LEVEL", "loud"), ("TALLY_RATE_LIMIT", "-1"),
        ("TALLY_IDEMPOTENCY_HOURS", "x"), ("TALLY_IDLE_TIMEOUT", "0"), ("TALLY_DURABILITY", "half"),
        ("TALLY_POOL_SIZE", "100000"), ("TALLY_DEMO", "maybe"), ("TALLY_LOG_FORMAT", "xml"),
        ("TALLY_METRICS_ADDRESS", "nowhere"),
    ])
    func aBadVariableFailsStartupNamingIt(_ variable: String, _ value: String) throws {
        let dir = try TemporaryDirectory()
        let result = try TallyProcess.run(
            ["serve", "--database", "x.sqlite"], directory: dir.url, timeout: 30, environment: [variable: value])
        #expect(result.status != 0)
        #expect(result.stderr.contains(variable), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("x.sqlite").path))
    }

    @Test(arguments: [
        (#"{"prot": 8080}"#, "unknown key 'prot'"), (#"{"port": "eighty"}"#, "tally.json: port"),
        (#"{"demo": "yes"}"#, "demo must be true or false"), (#"{"port": 80.5}"#, "port must be a string or number"),
        ("[1, 2]", "is not a JSON object"), ("port = 8080", "is not a JSON object"),
    ])
    func aBadConfigFileFailsStartupNamingTheKey(_ text: String, _ expected: String) throws {
        let dir = try TemporaryDirectory()
        let config = dir.url.appendingPathComponent("tally.json")
        try Data(text.utf8).write(to: config)
        let result = try TallyProcess.run(
            ["serve", "--config", config.path, "--database", "x.sqlite"], directory: dir.url, timeout: 30)
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        let missing = try TallyProcess.run(
            ["serve", "--database", "x.sqlite"], directory: dir.url, timeout: 30,
            environment: ["TALLY_CONFIG": dir.url.appendingPathComponent("absent.json").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("Cannot read the config file"))
    }

    @Test func versionNamesTheCommit() throws {
        let result = try TallyProcess.run(["--version"], timeout: 30)
        #expect(result.status == 0)
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.hasPrefix("tally "))
        // The commit of the checkout the binary was built from, or `unknown` outside git.
        let commit = try #require(text.split(separator: "(commit ").last.map { $0.dropLast() })
        let git = ChildProcess()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["-C", URL(fileURLWithPath: #filePath).deletingLastPathComponent().path, "rev-parse", "HEAD"]
        let out = Pipe()
        git.standardOutput = out
        git.standardError = FileHandle.nullDevice
        try git.run()
        git.waitUntilExit()
        let head = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if git.terminationStatus == 0 {
            #expect(head.hasPrefix(String(commit.prefix(12))), "built from \(head), says \(commit)")
        } else {
            #expect(commit == "unknown")
        }
    }
}
