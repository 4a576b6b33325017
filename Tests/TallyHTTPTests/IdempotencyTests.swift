import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyPostgres
import TallySQLite
import TallyTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// `Idempotency-Key` through HTTP, including a retry after a real server committed and was killed
/// before its client read the answer.
@Suite(.serviceScope) struct IdempotencyTests {
    static let keyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotency-Replayed")!

    func patch(_ client: any TestClientProtocol, _ path: String, key: String, idempotency: String?, json: String)
        async throws
        -> TestResponse
    {
        var headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
        if let idempotency { headers[Self.keyHeader] = idempotency }
        return try await client.executeRequest(
            uri: path, method: .patch, headers: headers, body: ByteBuffer(string: json))
    }

    @Test(arguments: Backend.all) func aRetryReplaysTheFirstAnswerByteForByte(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let json = #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":25}]}"#
        try await h.test { client in
            let first = try await patch(client, h.batchPath, key: h.key, idempotency: "order-1", json: json)
            #expect(first.status == .ok)
            #expect(first.headers[Self.replayedHeader] == nil)
            let second = try await patch(client, h.batchPath, key: h.key, idempotency: "order-1", json: json)
            #expect(second.status == .ok)
            #expect(second.headers[Self.replayedHeader] == "true")
            #expect(String(buffer: second.body) == String(buffer: first.body))
            let reused = try await patch(
                client, h.batchPath, key: h.key, idempotency: "order-1",
                json: #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":26}]}"#)
            try expectFailure(reused, .conflict, "IDEMPOTENCY_KEY_REUSED")
            // The same key from another realm's key is another key.
            let otherRealm = try await patch(
                client, "/api/v1/realms/\(h.otherRealm.id)/members/transaction", key: h.otherRealmKey,
                idempotency: "order-1",
                json: json)
            try expectFailure(otherRealm, .badRequest, "MEMBER_NOT_FOUND")
            for bad in ["", String(repeating: "k", count: 256), "has space", "tab\tkey"] {
                try expectFailure(
                    try await patch(client, h.batchPath, key: h.key, idempotency: bad, json: json), .badRequest,
                    "VALIDATION_ERROR")
            }
            #expect(
                try await patch(
                    client, h.batchPath, key: h.key, idempotency: String(repeating: "k", count: 255), json: json
                ).status == .ok)
        }
        #expect(try await h.balance(0) == 50)
    }

    @Test(arguments: Backend.all) func everyWriteRouteHonoursTheKey(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        try await h.test { client in
            let base = "/api/v1/realms/\(h.realm.id)"
            let writes: [(HTTPRequest.Method, String, String)] = [
                (.post, "\(base)/members", #"{"username":"dup"}"#),
                (.post, "\(base)/currencies", #"{"name":"Once"}"#),
                (.patch, "\(base)/members/\(h.members[0].id)/balance", #"{"amount":3}"#),
                (.patch, "\(base)/members/\(h.members[0].id)/metadata", #"{"metadata":{"x":1}}"#),
                (.patch, "\(base)/currencies/\(h.capped.id)", #"{"name":"Renamed"}"#),
                (.post, "\(base)/currencies/\(h.capped.id)/unarchive", ""),
                (.post, "/api/v1/realms", #"{"name":"Admin made"}"#),
            ]
            for (index, (method, path, json)) in writes.enumerated() {
                let key = path == "/api/v1/realms" ? h.adminKey : h.key
                var headers: HTTPFields = [.authorization: "Bearer \(key)", Self.keyHeader: "write-\(index)"]
                if !json.isEmpty { headers[.contentType] = "application/json" }
                let body = json.isEmpty ? nil : ByteBuffer(string: json)
                let first = try await client.executeRequest(uri: path, method: method, headers: headers, body: body)
                let second = try await client.executeRequest(uri: path, method: method, headers: headers, body: body)
                #expect(first.status.code < 300, "\(path): \(String(buffer: first.body))")
                #expect(second.status == first.status, "\(path)")
                #expect(second.headers[Self.replayedHeader] == "true", "\(path)")
                #expect(String(buffer: second.body) == String(buffer: first.body), "\(path)")
            }
        }
        #expect(try await h.balance(0) == 3)
        #expect(
            try await h.store.searchMembers(in: h.realm.id, kind: .username, values: ["dup"], page: try PageRequest())
                .total == 1)
        #expect(try await h.store.currencies(in: h.realm.id).filter { $0.name == "Once" }.count == 1)
        #expect(try await h.store.realms().filter { $0.name == "Admin made" }.count == 1)
    }

    /// A real `tally serve` commits a batch and is killed with SIGKILL before the client has read
    /// its answer; a new server on the same database answers the retry with the same
    /// Idempotency-Key with the answer the client missed, and the balances moved once.
    ///
    /// The kill comes as soon as the answer is waiting in the client's socket, which the server
    /// writes only after the commit is durable; the client never reads it, so for the client the
    /// server died between the commit and the answer.
    @Test(arguments: Backend.all) func aRetryAfterACrashBetweenCommitAndResponse(_ backend: Backend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tally-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (database, store) = try await backend.makeDatabase(in: directory)
        let realm = try await store.createRealm(name: "Crash")
        let points = try await store.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let a = try await store.createMember(Credentials(username: "a"), in: realm.id)
        let b = try await store.createMember(Credentials(username: "b"), in: realm.id)
        let key = try await store.issueKey(realm: realm.id, name: "bot", ids: IDGenerator())
        func balances() async throws -> [Int64] {
            [
                try await store.balance(BalanceKey(currencyID: points.id, memberID: a.id), in: realm.id),
                try await store.balance(BalanceKey(currencyID: points.id, memberID: b.id), in: realm.id),
            ]
        }
        let path = "/api/v1/realms/\(realm.id)/members/transaction"
        let json = #"{"updates":[{"dripId":"\#(a.id)","amount":40},{"dripId":"\#(b.id)","amount":2}]}"#

        let first = try ServerProcess(arguments: ["--database", database], directory: directory)
        let connection = try RawConnection(port: first.port)
        try connection.send(
            "PATCH \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key.secret.text)\r\n"
                + "Content-Type: application/json\r\nIdempotency-Key: retry-me\r\nContent-Length: \(json.utf8.count)\r\n\r\n"
                + json)
        try #require(connection.waitForAnswer(seconds: 60), "the first server never answered")
        first.stop(signal: SIGKILL)
        connection.close()
        #expect(try await balances() == [40, 2], "the write committed before the kill")

        let second = try ServerProcess(arguments: ["--database", database], directory: directory)
        defer { second.stop() }
        let retry = try await TestClient.withClient(host: "127.0.0.1", port: second.port) { client in
            try await client.execute(
                .init(
                    path, method: .patch,
                    headers: [
                        .authorization: "Bearer \(key.secret.text)", .contentType: "application/json",
                        Self.keyHeader: "retry-me",
                    ],
                    body: ByteBuffer(string: json)))
        }
        #expect(retry.status == .ok)
        #expect(retry.headers[Self.replayedHeader] == "true")
        // The first attempt's answer: each balance before it was 0.
        let body = try #require(retry.body)
        let answer = try JSONDecoder().decode(BatchAnswer.self, from: Data(body.readableBytesView))
        #expect(answer.updates.map(\.balance) == [0, 0])
        #expect(answer.updates.map(\.newBalance) == [40, 2])
        #expect(try await balances() == [40, 2], "the retry applied nothing")
        #expect(try await store.verify { _ in }.isClean)
    }

    struct BatchAnswer: Decodable {
        struct Item: Decodable {
            let balance: Int64
            let newBalance: Int64
        }
        let updates: [Item]
    }
}

extension Backend {
    /// A fresh, migrated database of this kind: its `--database` argument for `tally serve`, and
    /// a store on it for this process.
    func makeDatabase(in directory: URL) async throws -> (argument: String, store: any LedgerStore) {
        switch self {
        case .sqlite:
            let path = directory.appendingPathComponent("tally.sqlite").path
            return (path, ServiceScope.startForTest(try SQLiteLedgerStore(path: path)))
        case .postgres:
            guard let server = try await PostgresServer.shared() else {
                throw PostgresServerFailure(description: "PostgreSQL is not installed")
            }
            let url = try await server.makeDatabase()
            let store = ServiceScope.startForTest(
                try PostgresLedgerStore(
                    url: url, poolSize: 2, logger: PostgresServer.storeLogger,
                    connectionWait: PostgresServer.connectionWait))
            try await store.migrate()
            return (url, store)
        }
    }
}
