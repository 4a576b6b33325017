import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TallyCore
import TallyHTTP
import TallyPostgres
import TallySQLite
import TallyTestSupport
import Testing

/// The stores every HTTP test runs on: SQLite always, and PostgreSQL (a fresh database on the
/// run's throwaway server) when it is installed. Without it, the run prints that the PostgreSQL
/// cases are skipped.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let all: [Backend] = PostgresServer.available ? [.sqlite, .postgres] : [.sqlite]

    var testDescription: String { rawValue }

    /// A fresh, migrated, empty store of this kind on `clock`, running until the test ends.
    /// `poolSize` is the PostgreSQL store's (4 unless a test needs every request to hold a
    /// connection at once).
    func makeStore(in directory: URL, clock: TallyClock, poolSize: Int = 4) async throws -> any LedgerStore {
        switch self {
        case .sqlite:
            return ServiceScope.startForTest(
                try SQLiteLedgerStore(path: directory.appendingPathComponent("tally.sqlite").path, clock: clock))
        case .postgres:
            guard let server = try await PostgresServer.shared() else {
                throw PostgresServerFailure(description: "PostgreSQL is not installed")
            }
            let store = ServiceScope.startForTest(
                try PostgresLedgerStore(
                    url: try await server.makeDatabase(), poolSize: poolSize, clock: clock,
                    logger: PostgresServer.storeLogger, connectionWait: PostgresServer.connectionWait)
            )
            try await store.migrate()
            return store
        }
    }
}

/// A real store (see `Backend`), a realm with members and keys, and the real router, driven
/// through HummingbirdTesting.
///
/// The store runs in the test's `ServiceScope` (suites that use the harness have the
/// `.serviceScope` trait), so it stops, and a PostgreSQL store closes its connections, when the
/// test ends; its database goes with the run's throwaway server.
struct HTTPHarness: Sendable {
    let directory: URL
    let store: any LedgerStore
    let clock: TallyClock
    let realm: Realm
    let otherRealm: Realm
    let points: Currency
    let capped: Currency
    let members: [Member]
    let key: String
    let otherRealmKey: String
    let readOnlyKey: String
    let adminKey: String
    let revokedKey: String
    let limits: Limits
    /// A webhook subscription some tests make in the realm.
    var webhookID: WebhookID?

    static func make(
        _ backend: Backend = .sqlite, limits: Limits = Limits(batchSizeMax: 10, bodyBytesMax: 4_096),
        clock: TallyClock = .system, poolSize: Int = 4
    ) async throws -> HTTPHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try await backend.makeStore(in: directory, clock: clock, poolSize: poolSize)
        let ids = IDGenerator()
        let realm = try await store.createRealm(name: "Guild")
        let otherRealm = try await store.createRealm(name: "Other guild")
        let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let capped = try await store.createCurrency(CurrencyDraft(name: "Capped", maximumBalance: 100), in: realm.id)
        var members = [Member]()
        for name in ["alice", "bob", "carol"] {
            members.append(try await store.createMember(Credentials(username: name), in: realm.id))
        }
        let key = try await store.issueKey(realm: realm.id, name: "bot", ids: ids)
        let other = try await store.issueKey(realm: otherRealm.id, name: "other", ids: ids)
        let readOnly = try await store.issueKey(
            realm: realm.id, name: "ro", scopes: [.membersRead, .realmRead], ids: ids)
        let admin = try await store.issueKey(realm: nil, name: "admin", ids: ids)
        let revoked = try await store.issueKey(realm: realm.id, name: "old", ids: ids)
        _ = try await store.revokeKey(revoked.key.id)
        return HTTPHarness(
            directory: directory, store: store, clock: clock, realm: realm, otherRealm: otherRealm, points: points,
            capped: capped,
            members: members, key: key.secret.text, otherRealmKey: other.secret.text, readOnlyKey: readOnly.secret.text,
            adminKey: admin.secret.text, revokedKey: revoked.secret.text, limits: limits)
    }

    var batchPath: String { "/api/v1/realms/\(realm.id)/members/transaction" }

    /// Runs `body` against the application through HummingbirdTesting's router client.
    @discardableResult
    func test<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await application(ServerConfiguration(limits: limits)).test(.router, body)
    }

    /// Runs `body` against an application that lets webhook subscriptions point at loopback
    /// (`serve --webhooks-allow-private`), where the tests' receivers listen.
    @discardableResult
    func testAllowingPrivateWebhooks<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T)
        async throws -> T
    {
        var configuration = ServerConfiguration(limits: limits)
        configuration.webhooksAllowPrivate = true
        return try await application(configuration).test(.router, body)
    }

    /// Runs `body` against the application through HummingbirdTesting's router client, logging to
    /// `logger`.
    @discardableResult
    func test<T: Sendable>(logger: Logger, _ body: @Sendable (any TestClientProtocol) async throws -> T)
        async throws -> T
    {
        try await application(ServerConfiguration(limits: limits), logger: logger).test(.router, body)
    }

    /// The application on this harness's store and clock (the harness runs the store itself), with
    /// `logger` (warnings and worse when omitted).
    /// Its metrics go to `metrics` (a registry of its own unless given).
    func application(
        _ configuration: ServerConfiguration, logger: Logger? = nil, metrics: ServerMetrics = ServerMetrics()
    ) -> some ApplicationProtocol {
        let logger =
            logger
            ?? {
                var logger = Logger(label: "tally.test")
                logger.logLevel = .warning
                return logger
            }()
        return buildApplication(
            store: store, storeServices: [], configuration: configuration, logger: logger, metrics: metrics,
            clock: clock)
    }

    func balance(_ member: Int, _ currency: CurrencyID? = nil) async throws -> Int64 {
        try await store.balance(
            BalanceKey(currencyID: currency ?? points.id, memberID: members[member].id), in: realm.id)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

extension TestClientProtocol {
    /// Sends a PATCH with a JSON body and an optional bearer key.
    func patch(_ path: String, key: String?, json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers[.contentType] = "application/json"
        return try await executeRequest(uri: path, method: .patch, headers: headers, body: ByteBuffer(string: json))
    }
}

/// A decoded failure body, checked for the shape SPEC section 3 requires.
struct FailureBody: Decodable {
    let error: String
    let message: String
    let details: [String: DetailValue]?
    let requestId: String

    enum DetailValue: Decodable, Equatable {
        case text(String)
        case integer(Int64)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }
}

/// Asserts `response` is a JSON failure with `status` and `code`, and returns its body.
@discardableResult
func expectFailure(
    _ response: TestResponse, _ status: HTTPResponse.Status, _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> FailureBody {
    #expect(response.status == status, "status", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    let body = try JSONDecoder().decode(FailureBody.self, from: Data(response.body.readableBytesView))
    #expect(body.error == code, "error code", sourceLocation: sourceLocation)
    #expect(!body.message.isEmpty, sourceLocation: sourceLocation)
    #expect(
        !body.requestId.isEmpty && body.requestId == response.headers[requestIDHeader],
        "the body's requestId is the response's X-Request-Id", sourceLocation: sourceLocation)
    return body
}

/// The header that carries a request's id.
let requestIDHeader = HTTPField.Name("X-Request-Id")!

/// The batch endpoint's 200 body.
struct BatchBody: Decodable {
    struct Item: Decodable, Equatable {
        let dripId: String
        let currencyId: String
        let balance: Int64
        let newBalance: Int64
    }
    let success: Bool
    let updates: [Item]
}

/// A store for tests that only need a router to exist.
enum TallySQLiteStoreForDocs {
    static func make(_ directory: URL) throws -> SQLiteLedgerStore {
        try SQLiteLedgerStore(path: directory.appendingPathComponent("docs.sqlite").path)
    }
}
