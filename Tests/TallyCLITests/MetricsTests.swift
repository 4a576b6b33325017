import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallySQLite
import TallyTestSupport
import Testing

/// `GET /metrics` of the real `tally serve`: scraped before and after a known load, read with a
/// strict parser of the Prometheus text format, the counters must have moved by exactly the load.
@Suite(.serialized, .serviceScope) struct MetricsTests {
    /// A realm with ten members and a key, written before the server starts.
    struct Fixture {
        let dir: TemporaryDirectory
        let realm: Realm
        let members: [Member]
        let key: String
    }

    static func fixture() async throws -> Fixture {
        let dir = try TemporaryDirectory()
        let setup = ServiceScope.startForTest(try SQLiteLedgerStore(path: dir.database))
        let realm = try await setup.createRealm(name: "Metrics")
        _ = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [Member]()
        for index in 0..<10 {
            members.append(try await setup.createMember(Credentials(username: "m\(index)"), in: realm.id))
        }
        let key = try await setup.issueKey(realm: realm.id, name: nil, ids: IDGenerator())
        return Fixture(dir: dir, realm: realm, members: members, key: key.secret.text)
    }

    static let batchRoute = "/api/v1/realms/{realmId}/members/transaction"

    static func text(_ response: TestClient.Response) -> String { response.body.map { String(buffer: $0) } ?? "" }

    /// Scrapes `/metrics` and parses it strictly; the content type is the text format's.
    static func scrape(_ client: TestClient) async throws -> [PrometheusText.Family] {
        let response = try await client.execute(.init("/metrics", method: .get))
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        return try PrometheusText.parse(Self.text(response))
    }

    /// Scrapes until `done` holds (the HTTP request counter is recorded once a response has been
    /// written, a moment after the client has it), at most 10 s.
    static func scrape(
        _ client: TestClient, until done: ([PrometheusText.Family]) -> Bool
    ) async throws -> [PrometheusText.Family] {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let families = try await scrape(client)
            if done(families) || ContinuousClock.now > deadline { return families }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func batch(_ client: TestClient, _ f: Fixture, json: String, headers: HTTPFields = [:]) async throws
        -> TestClient.Response
    {
        var headers = headers
        headers[.authorization] = "Bearer \(f.key)"
        headers[.contentType] = "application/json"
        return try await client.execute(
            .init(
                "/api/v1/realms/\(f.realm.id)/members/transaction", method: .patch, headers: headers,
                body: ByteBuffer(string: json)))
    }

    /// Ten changes of +1, one per member; with `overdraw`, the first takes 1,000 from a member
    /// who has less, so the whole batch is refused with INSUFFICIENT_BALANCE.
    static func tenChanges(_ f: Fixture, overdraw: Bool) -> String {
        let updates = f.members.enumerated().map { index, member in
            #"{"dripId":"\#(member.id)","amount":\#(overdraw && index == 0 ? -1_000 : 1)}"#
        }
        return #"{"updates":[\#(updates.joined(separator: ","))]}"#
    }

    @Test func countersMoveByExactlyTheLoad() async throws {
        let f = try await Self.fixture()
        let server = try ServerProcess(arguments: ["--database", f.dir.database], directory: f.dir.url)
        defer { server.stop() }
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let before = try await Self.scrape(client)
            // 50 batches of 10 changes; every tenth is refused for insufficient balance.
            for index in 0..<50 {
                let overdraw = index % 10 == 9
                let response = try await Self.batch(client, f, json: Self.tenChanges(f, overdraw: overdraw))
                #expect(response.status == (overdraw ? .badRequest : .ok), "\(Self.text(response))")
            }
            let route = ["route": Self.batchRoute, "method": "PATCH"]
            let requests = "tally_http_requests_total"
            let after = try await Self.scrape(client) {
                $0.value(requests, route) - before.value(requests, route) >= 50
            }
            func delta(_ name: String, _ labels: [String: String] = [:]) -> Double {
                after.value(name, labels) - before.value(name, labels)
            }
            #expect(delta("tally_changes_applied_total") == 450)
            #expect(delta("tally_batches_committed_total") == 45)
            #expect(delta("tally_writes_committed_total") == 45)
            #expect(delta("tally_rejections_total", ["code": "INSUFFICIENT_BALANCE"]) == 5)
            #expect(delta("tally_rejections_total") == 5, "no other rejection")
            #expect(delta("tally_idempotent_replays_total") == 0)
            #expect(delta(requests, route) == 50)
            #expect(delta(requests, route.merging(["status": "200"]) { $1 }) == 45)
            #expect(delta(requests, route.merging(["status": "400"]) { $1 }) == 5)
            #expect(delta("tally_http_request_duration_seconds_count", route) == 50)
            #expect(delta("tally_http_request_duration_seconds_sum", route) > 0)
            // Every request, refused ones too, was a write in some group.
            #expect(delta("tally_sqlite_group_size_writes_sum") == 50)
            #expect(delta("tally_sqlite_group_size_writes_count") >= 1)
            #expect(delta("tally_sqlite_group_commit_duration_seconds_count") >= 1)
            #expect(after.value("tally_sqlite_commit_queue_depth") == 0)
            // The commit the binary names in --version, stamped at build time.
            let version = try TallyProcess.run(["--version"], timeout: 30).stdout
            let commit = String(try #require(version.split(separator: "(commit ").last).prefix { $0 != ")" })
            #expect(after.value("tally_build_info", ["version": TallyVersion.version, "commit": commit]) == 1)
            let types = Dictionary(uniqueKeysWithValues: after.map { ($0.name, $0.type) })
            #expect(types["tally_changes_applied_total"] == "counter")
            #expect(types["tally_rejections_total"] == "counter")
            #expect(types["tally_sqlite_commit_queue_depth"] == "gauge")
            #expect(types["tally_sqlite_group_size_writes"] == "histogram")
            #expect(types["tally_sqlite_group_commit_duration_seconds"] == "histogram")
            #expect(types["tally_http_request_duration_seconds"] == "histogram")

            // A retry with the same Idempotency-Key replays and applies nothing.
            let idempotent: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "metrics-test-1"]
            for _ in 0..<2 {
                let response = try await Self.batch(
                    client, f, json: Self.tenChanges(f, overdraw: false), headers: idempotent)
                #expect(response.status == .ok)
            }
            let replayed = try await Self.scrape(client) {
                $0.value(requests, route) - after.value(requests, route) >= 2
            }
            #expect(
                replayed.value("tally_idempotent_replays_total") - after.value("tally_idempotent_replays_total") == 1)
            #expect(replayed.value("tally_changes_applied_total") - after.value("tally_changes_applied_total") == 10)
            // The batch wrote pages to the log (a replay writes none of its own).
            #expect(types["tally_sqlite_pages_written_total"] == "counter")
            #expect(
                replayed.value("tally_sqlite_pages_written_total") - after.value("tally_sqlite_pages_written_total")
                    >= 1)

            // The checkpointer samples the log's size every 200 ms.
            let sampled = try await Self.scrape(client) { $0.value("tally_sqlite_wal_bytes") > 0 }
            #expect(sampled.value("tally_sqlite_wal_bytes") > 0)
        }
    }

    /// No realm, member or key id (24 hex digits) is ever a label value, after a load that named
    /// them in paths, bodies and errors (unknown routes and members included).
    @Test func noLabelValueIsAnID() async throws {
        let f = try await Self.fixture()
        let server = try ServerProcess(arguments: ["--database", f.dir.database], directory: f.dir.url)
        defer { server.stop() }
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            for index in 0..<20 {
                _ = try await Self.batch(client, f, json: Self.tenChanges(f, overdraw: index % 4 == 0))
            }
            let auth: HTTPFields = [.authorization: "Bearer \(f.key)"]
            let member = f.members[0].id
            let unknown = "0123456789abcdef01234567"
            for path in [
                "/api/v1/realms/\(f.realm.id)/members/\(member)", "/api/v1/realms/\(f.realm.id)/members/\(unknown)",
                "/api/v1/realms/\(unknown)/members/\(member)", "/api/v1/nothing/\(f.realm.id)/\(member)",
                "/\(member)",
            ] {
                _ = try await client.execute(.init(path, method: .get, headers: auth))
            }
            let families = try await Self.scrape(client) {
                $0.value("tally_http_requests_total", ["route": "NotFound"]) >= 2
            }
            #expect(
                families.value("tally_http_requests_total", ["route": "NotFound"]) >= 2, "unknown paths share one label"
            )
            let values = families.labelValues
            #expect(!values.isEmpty)
            let hexID = try Regex("[0-9a-fA-F]{24}")
            #expect(values.filter { $0.contains(hexID) } == [])
            let text = Self.text(try await client.execute(.init("/metrics", method: .get)))
            for id in [f.realm.id.rawValue, member.rawValue, unknown] + f.members.map(\.id.rawValue) {
                #expect(!text.contains(id))
            }
        }
    }

    /// With --metrics-address, /metrics is served there, and neither routed nor documented on the
    /// main port.
    @Test func aSeparateListenerServesMetricsAlone() async throws {
        let f = try await Self.fixture()
        let port = try Subprocess.freePort()
        let server = try ServerProcess(
            arguments: ["--database", f.dir.database, "--metrics-address", "127.0.0.1:\(port)"], directory: f.dir.url)
        defer { server.stop() }
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            let response = try await Self.batch(client, f, json: Self.tenChanges(f, overdraw: false))
            #expect(response.status == .ok)
            #expect(try await client.execute(.init("/metrics", method: .get)).status == .notFound)
            let document = Self.text(try await client.execute(.init("/docs/json", method: .get)))
            #expect(!document.contains("\"/metrics\""))
        }
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            let families = try await Self.scrape(client)
            #expect(families.value("tally_changes_applied_total") == 10)
            #expect(try await client.execute(.init("/docs/json", method: .get)).status == .notFound)
        }
    }

    @Test func aMalformedMetricsAddressIsRefused() throws {
        for address in ["9090", "localhost", "localhost:port", "host:70000", ":9090", "[::1:9090"] {
            let result = try TallyProcess.run(["serve", "--metrics-address", address, "--port", "0"])
            #expect(result.status != 0, "\(address)")
            #expect(result.stderr.contains("--metrics-address"), "\(address): \(result.stderr)")
        }
    }
}

/// The reader of the text format refuses what the format does not allow.
@Suite struct PrometheusTextTests {
    static let valid = """
        # HELP requests_total Requests, with a \\\\ backslash.
        # TYPE requests_total counter
        requests_total{route="/a/{id}",code="OK"} 3
        requests_total{route="/b",code="quote \\" and \\\\ and \\n"} 1 1700000000000
        # TYPE depth gauge
        depth -2.5e1
        # a comment
        # TYPE latency_seconds histogram
        latency_seconds_bucket{le="0.1"} 1
        latency_seconds_bucket{le="1"} 2
        latency_seconds_bucket{le="+Inf"} 2
        latency_seconds_sum 0.6
        latency_seconds_count 2
        untyped_thing NaN

        """

    @Test func theValidExpositionParses() throws {
        let families = try PrometheusText.parse(Self.valid)
        #expect(families.map(\.name) == ["requests_total", "depth", "latency_seconds", "untyped_thing"])
        #expect(families.map(\.type) == ["counter", "gauge", "histogram", "untyped"])
        #expect(families.value("requests_total") == 4)
        #expect(families.samples("requests_total", ["route": "/b"]).first?.labels["code"] == "quote \" and \\ and \n")
        #expect(families.value("depth") == -25)
        #expect(families.value("latency_seconds_count") == 2)
    }

    @Test(arguments: [
        ("no final line feed", "a 1"),
        ("no value", "a\n"),
        ("no space before the value", "a{b=\"c\"}1\n"),
        ("a word for a value", "a one\n"),
        ("a hex float", "a 0x1p3\n"),
        ("two values and a timestamp", "a 1 2 3\n"),
        ("a fractional timestamp", "a 1 2.5\n"),
        ("a name starting with a digit", "1a 1\n"),
        ("a dash in a name", "a-b 1\n"),
        ("a dot in a label name", "a{b.c=\"d\"} 1\n"),
        ("a reserved label name", "a{__b=\"c\"} 1\n"),
        ("an unquoted label value", "a{b=c} 1\n"),
        ("an unterminated label value", "a{b=\"c} 1\n"),
        ("an unterminated label set", "a{b=\"c\" 1\n"),
        ("labels without a comma", "a{b=\"c\"d=\"e\"} 1\n"),
        ("an invalid escape", "a{b=\"\\t\"} 1\n"),
        ("a label twice", "a{b=\"c\",b=\"d\"} 1\n"),
        ("a series twice", "a{b=\"c\"} 1\na{b=\"c\"} 2\n"),
        ("two spaces before the value", "a  1\n"),
        ("an unknown type", "# TYPE a thing\na 1\n"),
        ("a TYPE twice", "# TYPE a gauge\n# TYPE a gauge\na 1\n"),
        ("a TYPE after the samples", "a 1\n# TYPE a gauge\n"),
        ("a family in two groups", "a 1\nb 1\na{c=\"d\"} 1\n"),
        ("a HELP with a bad escape", "# HELP a bad \\x\na 1\n"),
        ("a negative counter", "# TYPE a counter\na -1\n"),
        ("a histogram without +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"),
        (
            "a histogram whose buckets fall",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"
        ),
        ("a histogram whose count differs", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n"),
        ("a histogram sample of another kind", "# TYPE h histogram\nh 1\n"),
    ])
    func aMalformedExpositionIsRefused(_ reason: String, _ text: String) {
        #expect(throws: PrometheusText.Malformed.self, "\(reason)") { try PrometheusText.parse(text) }
    }
}
