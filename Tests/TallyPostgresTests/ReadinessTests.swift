import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// `tally serve` on PostgreSQL while PostgreSQL stops and starts again: `/readyz` turns 503
/// within 3 s, no route answers a 500 (or hangs) meanwhile, and the same Tally process turns
/// ready again and serves once PostgreSQL is back.
@Suite(.serialized, .enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct ReadinessTests {
    static let requestID = HTTPField.Name("X-Request-Id")!

    @Test func readinessFollowsPostgreSQLDownAndUpWithoutARestart() async throws {
        // A server of this test's own: the shared one must never stop under other tests.
        guard let postgres = try PostgresServer.dedicated() else { return }
        defer { postgres.stop() }
        let url = try await postgres.makeDatabase()
        let (realm, member, key) = try await ServiceScope.with { scope in
            let setup = scope.start(
                try PostgresLedgerStore(
                    url: url, poolSize: 2, logger: PostgresServer.storeLogger,
                    connectionWait: PostgresServer.connectionWait))
            try await setup.migrate()
            let realm = try await setup.createRealm(name: "Ready")
            _ = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
            let member = try await setup.createMember(Credentials(username: "ann"), in: realm.id)
            let key = try await setup.issueKey(realm: realm.id, name: "probe", ids: IDGenerator())
            return (realm.id, member.id, key.secret.text)
        }
        let tally = try ServerProcess(arguments: ["--database", url, "--log-format", "json", "--log-level", "info"])
        defer { tally.stop() }
        let pid = tally.process.processIdentifier
        let authorization = "Bearer \(key)"
        let memberPath = "/api/v1/realms/\(realm)/members/\(member)"
        let batchPath = "/api/v1/realms/\(realm)/members/transaction"
        let batch = #"{"updates":[{"dripId":"\#(member)","amount":1}]}"#

        let (gone, resumed) = try await TestClient.withClient(
            host: "127.0.0.1", port: tally.port, configuration: .init(timeout: .seconds(20))
        ) { client in
            func get(_ path: String) async throws -> TestClient.Response {
                try await client.execute(.init(path, method: .get, headers: [.authorization: authorization]))
            }
            func patch() async throws -> TestClient.Response {
                try await client.execute(
                    .init(
                        batchPath, method: .patch,
                        headers: [.authorization: authorization, .contentType: "application/json"],
                        body: ByteBuffer(string: batch)))
            }
            /// A failure body that is `UNAVAILABLE` with the response's own request id.
            func expectUnavailable(_ response: TestClient.Response, _ what: String) throws {
                #expect(response.status == .serviceUnavailable, "\(what) while PostgreSQL is down")
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body?.readableBytesView ?? []))
                        as? [String: Any])
                #expect(body["error"] as? String == "UNAVAILABLE", "\(what): \(body)")
                #expect(body["requestId"] as? String == response.headers[Self.requestID])
                #expect(!(body["message"] as? String ?? "").contains(PostgresServer.password))
            }

            #expect(try await get("/readyz").status == .ok)
            #expect(try await get(memberPath).status == .ok)
            #expect(try await patch().status == .ok)

            // PostgreSQL stops: unready within 3 s. The client polls here; the bound is judged
            // below from the server's own log, because a busy test process can send late.
            let gone = try postgres.halt()
            let stopped = ContinuousClock.now
            var unready: TestClient.Response?
            while ContinuousClock.now - stopped < .seconds(10) {
                let response = try await get("/readyz")
                #expect(response.status != .internalServerError)
                if response.status == .serviceUnavailable {
                    unready = response
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let first = try #require(unready, "/readyz never turned 503")
            print("readiness: the client saw 503 after \(ContinuousClock.now - stopped)")
            try expectUnavailable(first, "/readyz")

            // Every route answers, and with 503, never a 500 and never a hang.
            for _ in 0..<2 {
                for (what, send) in [
                    ("/readyz", { try await get("/readyz") }), ("member GET", { try await get(memberPath) }),
                    ("batch PATCH", patch),
                ] as [(String, () async throws -> TestClient.Response)] {
                    let started = ContinuousClock.now
                    let response = try await send()
                    try expectUnavailable(response, what)
                    #expect(ContinuousClock.now - started < .seconds(10), "\(what) answered in bounded time")
                }
            }
            #expect(try await get("/livez").status == .ok, "liveness does not depend on PostgreSQL")

            // PostgreSQL is back: the same process turns ready and serves.
            let resumed = Date()
            try postgres.resume()
            let resuming = ContinuousClock.now
            var ready = false
            while ContinuousClock.now - resuming < .seconds(60) {
                let response = try await get("/readyz")
                #expect(response.status == .ok || response.status == .serviceUnavailable)
                if response.status == .ok {
                    ready = true
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(ready, "ready again after PostgreSQL started")
            print("readiness: ready again \(ContinuousClock.now - resuming) after PostgreSQL started")
            #expect(try await get(memberPath).status == .ok)
            #expect(try await patch().status == .ok)
            return (gone, resumed)
        }
        #expect(tally.process.isRunning && tally.process.processIdentifier == pid, "Tally was not restarted")
        let stopping = ContinuousClock.now
        tally.stop()
        #expect(
            tally.process.terminationReason == .exit && tally.process.terminationStatus == 0,
            "a clean exit on SIGTERM, not \(tally.process.terminationReason) \(tally.process.terminationStatus)")
        #expect(ContinuousClock.now - stopping < .seconds(30), "stopped within 30 s")
        print("readiness: stopped \(ContinuousClock.now - stopping) after SIGTERM")

        // The log says the same, a JSON line per request, the failures with their code.
        let lines = tally.stderr.finish().split(separator: "\n").filter { !$0.isEmpty }
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let notJSON = lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil }
        // A crash's reason comes first here: a backtrace after it is long.
        let crash = notJSON.filter { $0.contains("Fatal error") || $0.contains("Crash") || $0.contains("failure") }
        #expect(crash.isEmpty, "the server crashed: \(crash.prefix(5).joined(separator: "\n"))")
        #expect(notJSON.isEmpty, "every log line is JSON; these are not: \(notJSON.prefix(40).joined(separator: "\n"))")
        let critical = objects.filter { $0["level"] as? String == "critical" }.compactMap { $0["message"] as? String }
        #expect(critical.isEmpty, "critical log lines: \(critical.prefix(5))")
        let requests = objects.filter { $0["message"] as? String == "request" }
        #expect(requests.contains { $0["status"] as? Int == 503 && $0["error"] as? String == "UNAVAILABLE" })
        #expect(!requests.contains { ($0["status"] as? Int ?? 0) >= 500 && $0["status"] as? Int != 503 })
        #expect(!lines.contains { $0.contains(PostgresServer.password) || $0.contains(String(key.suffix(64))) })

        // Unready within 3 s, by the server's clock: every /readyz that arrived 3 s or more after
        // PostgreSQL was gone, and before it was started again, answered 503, each within 3 s.
        let times = ISO8601DateFormatter()
        times.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let outage = requests.compactMap { line -> (arrived: Date, status: Int, took: Double)? in
            guard line["route"] as? String == "/readyz", let time = (line["time"] as? String).flatMap(times.date),
                let status = line["status"] as? Int, let took = line["durationMs"] as? Double
            else { return nil }
            let arrived = time.addingTimeInterval(-took / 1_000)
            return arrived >= gone && arrived < resumed ? (arrived, status, took) : nil
        }
        #expect(!outage.isEmpty, "the log holds the /readyz requests of the outage")
        for probe in outage {
            let after = probe.arrived.timeIntervalSince(gone)
            #expect(after < 3 || probe.status == 503, "/readyz \(after) s after PostgreSQL stopped: \(probe.status)")
            #expect(probe.took < 3_000, "/readyz answered in \(probe.took) ms while PostgreSQL was down")
        }
    }
}
