import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TallyCore
import TallyHTTP
import TallyTestSupport
import Testing

/// Request ids and the request log: one line per request with its route template, status,
/// duration, realm, key id and error code; the id in the line, the `X-Request-Id` header and the
/// error body is the same; a sane incoming id is kept, any other replaced.
@Suite(.serviceScope) struct RequestLogTests {
    /// The key id a presented secret names (`tally_<key id>_<secret>`).
    static func keyID(_ secret: String) -> String { String(secret.split(separator: "_")[1]) }

    @Test(arguments: Backend.all) func everyRequestHasOneLineWithItsFields(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let log = LogRecorder()
        let realm = h.realm.id.rawValue
        let member = h.members[0].id.rawValue
        let unknown = "ffffffffffffffffffffffff"
        let wrongSecret = String(h.key.dropLast(64)) + String(repeating: "e", count: 64)
        let responses = try await h.test(logger: log.logger) { client in
            [
                try await client.patch(
                    h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(member)","amount":5}]}"#),
                try await client.patch(
                    "/api/v1/realms/\(realm)/members/\(unknown)/balance", key: h.key, json: #"{"amount":1}"#),
                try await client.send(.get, "/api/v1/realm/\(realm.uppercased())", key: h.key),
                try await client.send(.get, "/api/v1/realms/\(realm)", key: nil),
                try await client.send(.get, "/api/v1/realms/\(realm)", key: wrongSecret),
                try await client.send(.get, "/api/v1/realms/\(realm)", key: h.otherRealmKey),
                try await client.send(.get, "/no/such/route", key: h.key),
                try await client.send(.get, "/livez", key: nil),
            ]
        }
        let lines = log.lines.filter { $0.message == "request" }
        try #require(lines.count == responses.count, "one line per request: \(log.lines)")
        // method, route template, status, realm id, key id, error code, per request.
        let expected: [(String, String, Int, String?, String?, String?)] = [
            ("PATCH", "/api/v1/realms/{realmId}/members/transaction", 200, realm, Self.keyID(h.key), nil),
            (
                "PATCH", "/api/v1/realms/{realmId}/members/{dripId}/balance", 404, realm, Self.keyID(h.key),
                "MEMBER_NOT_FOUND"
            ),
            ("GET", "/api/v1/realm/{realmId}", 200, realm, Self.keyID(h.key), nil),
            ("GET", "/api/v1/realms/{realmId}", 401, realm, nil, "Unauthorized"),
            ("GET", "/api/v1/realms/{realmId}", 401, realm, nil, "Unauthorized"),
            ("GET", "/api/v1/realms/{realmId}", 403, realm, Self.keyID(h.otherRealmKey), "Forbidden"),
            ("GET", "NotFound", 404, nil, nil, "Not Found"),
            ("GET", "/livez", 200, nil, nil, nil),
        ]
        for ((line, response), want) in zip(zip(lines, responses), expected) {
            #expect(line.level == .info)
            #expect(line.text("method") == want.0)
            #expect(line.text("route") == want.1)
            #expect(line.value("status") as? Int == want.2)
            #expect(Int(response.status.code) == want.2)
            #expect(line.text("realmId") == want.3, "\(want.1)")
            #expect(line.text("keyId") == want.4, "\(want.1) \(want.2)")
            #expect(line.text("error") == want.5)
            let duration = try #require(line.value("durationMs") as? Double)
            #expect(duration >= 0 && duration < 60_000)
            let id = try #require(response.headers[requestIDHeader])
            #expect(line.text("requestId") == id, "the line names the response's id")
            if response.status.code >= 400 {
                #expect(try object(response)["requestId"] as? String == id, "the error body names the same id")
            }
            for secret in [h.key, wrongSecret, h.otherRealmKey] {
                #expect(!line.rendered.contains(String(secret.suffix(64))), "no secret in a log line")
            }
        }
        #expect(Set(lines.compactMap { $0.text("requestId") }).count == lines.count, "every request its own id")
    }

    @Test(arguments: Backend.all) func aSaneRequestIdIsKeptAndAnyOtherReplaced(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let log = LogRecorder()
        let sane = [
            "a", "order-42", "0f1e2d3c-aaaa-bbbb-cccc-000000000000", String(repeating: "x", count: 128), "!~:/?#",
        ]
        // Raw bytes, so that the router sees exactly these (HTTPField would turn control characters
        // into spaces).
        let insane: [[UInt8]] = [
            [], Array(String(repeating: "x", count: 129).utf8), Array("has space".utf8), Array("tab\there".utf8),
            Array("ctl\u{01}x".utf8), Array("del\u{7F}x".utf8), Array("caf\u{E9}".utf8), [0x61, 0xFF, 0x62],
        ]
        let realmPath = "/api/v1/realms/\(h.realm.id)"
        try await h.test(logger: log.logger) { client in
            for id in sane {
                for (path, key) in [(realmPath, h.key), (realmPath, nil), ("/readyz", nil)] {
                    var headers: HTTPFields = [requestIDHeader: id]
                    if let key { headers[.authorization] = "Bearer \(key)" }
                    let response = try await client.executeRequest(uri: path, method: .get, headers: headers, body: nil)
                    #expect(response.headers[requestIDHeader] == id, "a sane id is kept: \(id)")
                    if response.status.code >= 400 {
                        // The realm without a key is 401; /readyz is 503 when the store does not
                        // answer within its deadline, which a loaded test run can make happen.
                        let failure =
                            path == "/readyz"
                            ? try expectFailure(response, .serviceUnavailable, "UNAVAILABLE")
                            : try expectFailure(response, .unauthorized, "Unauthorized")
                        #expect(failure.requestId == id)
                    }
                }
            }
            for bytes in insane {
                var headers = HTTPFields()
                headers.append(HTTPField(name: requestIDHeader, lenientValue: bytes))
                let response = try await client.executeRequest(
                    uri: realmPath, method: .get, headers: headers, body: nil)
                let id = try #require(response.headers[requestIDHeader])
                #expect(id.utf8.count == 16 && id.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) }, "\(bytes)")
                #expect(try expectFailure(response, .unauthorized, "Unauthorized").requestId == id)
            }
        }
        let ids = log.lines.filter { $0.message == "request" }.compactMap { $0.text("requestId") }
        #expect(ids.count == sane.count * 3 + insane.count)
        #expect(Set(ids.suffix(insane.count)).count == insane.count, "made ids differ")
    }

    /// A replay answers the stored body unchanged (a success body holds no request id), with the
    /// retry's own `X-Request-Id`; a failure is never stored, so a retried failure names its own id.
    @Test(arguments: Backend.all) func aReplayKeepsItsBodyAndGetsItsOwnId(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let idempotency = HTTPField.Name("Idempotency-Key")!
        let member = h.members[0].id
        try await h.test { client in
            func send(_ json: String, key: String, id: String) async throws -> TestResponse {
                try await client.patch(
                    h.batchPath, key: h.key, json: json, headers: [idempotency: key, requestIDHeader: id])
            }
            let credit = #"{"updates":[{"dripId":"\#(member)","amount":5}]}"#
            let first = try await send(credit, key: "replay-1", id: "first")
            let again = try await send(credit, key: "replay-1", id: "second")
            #expect(first.status == .ok && again.status == .ok)
            #expect(again.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(first.headers[requestIDHeader] == "first")
            #expect(again.headers[requestIDHeader] == "second")

            let overdraw = #"{"updates":[{"dripId":"\#(member)","amount":-1000}]}"#
            let failed = try await send(overdraw, key: "replay-2", id: "third")
            let retried = try await send(overdraw, key: "replay-2", id: "fourth")
            #expect(try expectFailure(failed, .badRequest, "INSUFFICIENT_BALANCE").requestId == "third")
            #expect(try expectFailure(retried, .badRequest, "INSUFFICIENT_BALANCE").requestId == "fourth")
        }
    }
}

/// A log handler that keeps every line, for assertions.
final class LogRecorder: Sendable {
    struct Line: Sendable, CustomStringConvertible {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata

        func text(_ key: String) -> String? {
            guard case .string(let text) = metadata[key] else { return nil }
            return text
        }

        func value(_ key: String) -> Any? {
            guard case .stringConvertible(let value) = metadata[key] else { return nil }
            return value
        }

        /// The whole line as text, to search for what must not be there.
        var rendered: String { "\(level) \(message) \(metadata)" }
        var description: String { rendered }
    }

    private let recorded = Mutex<[Line]>([])

    var lines: [Line] { recorded.withLock { $0 } }

    /// A logger at info level that records here.
    var logger: Logger {
        var logger = Logger(label: "tally.test") { _ in Handler(recorder: self) }
        logger.logLevel = .info
        return logger
    }

    fileprivate func record(_ line: Line) { recorded.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(
                Line(
                    level: event.level, message: event.message.description,
                    metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }))
        }
    }
}
