import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

/// `Idempotency-Key` through HTTP, including a retry after the server committed and died before
/// it could answer.
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

    /// The server commits a batch and dies before answering; the client retries with the same key
    /// and gets the answer it missed, with nothing applied twice.
    @Test(arguments: Backend.all) func aRetryAfterACrashBetweenCommitAndResponse(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let json =
            #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":40},{"dripId":"\#(h.members[1].id)","amount":2}]}"#
        // What the server would have done before dying: the same claim the HTTP layer makes,
        // committed through the store, its answer lost.
        let request = Array("PATCH \(h.batchPath)\n".utf8) + Array(json.utf8)
        let lostAnswer = try await h.store.perform(
            .apply(
                try Batch(
                    realmID: h.realm.id,
                    changes: [
                        Change(memberID: h.members[0].id, amount: 40), Change(memberID: h.members[1].id, amount: 2),
                    ])),
            idempotency: try IdempotencyClaim(
                scope: h.realm.id.rawValue, key: "retry-me", requestHash: SHA256.hash(request),
                render: { _ in StoredResponse(status: 200, body: Array(#"{"the":"first answer"}"#.utf8)) }))
        guard case .performed = lostAnswer else { Issue.record("the first attempt must commit"); return }
        try await h.test { client in
            let retry = try await patch(client, h.batchPath, key: h.key, idempotency: "retry-me", json: json)
            #expect(retry.status == .ok)
            #expect(retry.headers[Self.replayedHeader] == "true")
            #expect(String(buffer: retry.body) == #"{"the":"first answer"}"#)
        }
        #expect(try await h.balance(0) == 40)
        #expect(try await h.balance(1) == 2)
        #expect(try await h.store.verify { _ in }.isClean)
    }
}
