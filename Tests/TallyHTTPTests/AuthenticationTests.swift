import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

/// Keys: 401 for missing, malformed, unknown or revoked keys; 403 for another realm or a missing
/// scope; health needs no key.
@Suite(.serviceScope) struct AuthenticationTests {
    @Test(arguments: Backend.all) func healthNeedsNoKey(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            for path in ["/api/v1/health", "/api/v4/health"] {
                let response = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"message":"Ok"}"#)
            }
        }
    }

    @Test(arguments: Backend.all) func badKeysAre401(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let body = #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":1}]}"#
        // A well-formed secret for a real key id but the wrong random part.
        let forged = String(h.key.dropLast(64)) + String(repeating: "0", count: 64)
        let headers: [String?] = [
            nil, "", "Bearer", "Bearer ", "Basic \(h.key)", "Bearer not-a-key", "Bearer \(h.key)x",
            forged.isEmpty ? nil : "Bearer \(forged)",
            "Bearer tally_0123456789abcdef01234567_" + String(repeating: "a", count: 64), "Bearer \(h.revokedKey)",
            "Bearer \(h.key) trailing", "Bearer ' OR 1=1 --",
        ]
        try await h.test { client in
            for header in headers {
                var fields = HTTPFields()
                if let header { fields[.authorization] = header }
                fields[.contentType] = "application/json"
                let response = try await client.executeRequest(
                    uri: h.batchPath, method: .patch, headers: fields, body: ByteBuffer(string: body))
                try expectFailure(response, .unauthorized, "Unauthorized")
            }
            let revoked = try expectFailure(
                try await client.patch(h.batchPath, key: h.revokedKey, json: body), .unauthorized, "Unauthorized")
            #expect(revoked.message.contains("revoked"))
            // The scheme is case-insensitive.
            let lower = try await client.executeRequest(
                uri: h.batchPath, method: .patch, headers: [.authorization: "bearer \(h.key)"],
                body: ByteBuffer(string: body))
            #expect(lower.status == .ok)
        }
        #expect(try await h.balance(0) == 1)
    }

    @Test(arguments: Backend.all) func anotherRealmsKeyOrAMissingScopeIs403(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let body = #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":1}]}"#
        try await h.test { client in
            let other = try expectFailure(
                try await client.patch(h.batchPath, key: h.otherRealmKey, json: body), .forbidden, "Forbidden")
            #expect(other.message.contains("another realm"))
            let scope = try expectFailure(
                try await client.patch(h.batchPath, key: h.readOnlyKey, json: body), .forbidden, "Forbidden")
            #expect(scope.message.contains("points:write"))
        }
        #expect(try await h.balance(0) == 0)
    }

    @Test(arguments: Backend.all) func unknownRoutesAndMethodsAreJSON404s(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            for (path, method) in [
                ("/nope", HTTPRequest.Method.get), (h.batchPath, .get), (h.batchPath, .post),
                ("/api/v1/health", .delete),
            ] {
                let response = try await client.executeRequest(
                    uri: path, method: method, headers: [.authorization: "Bearer \(h.key)"], body: nil)
                try expectFailure(response, .notFound, "Not Found")
            }
        }
    }
}
