import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

/// `PATCH /api/v1/realms/{realmId}/members/transaction` through the real router: every status
/// and error code of SPEC sections 2 and 3 that applies.
@Suite(.serviceScope) struct BatchEndpointTests {
    @Test(arguments: Backend.all) func aBatchThatFailsOnItsThirdChangeAppliesNothing(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let (a, b) = (h.members[0].id.rawValue, h.members[1].id.rawValue)
        try await h.test { client in
            // The capped currency's floor is 0, so the third change cannot apply.
            let body = try expectFailure(
                try await client.patch(
                    h.batchPath, key: h.key,
                    json:
                        #"{"updates":[{"dripId":"\#(a)","amount":100},{"dripId":"\#(b)","amount":5},{"dripId":"\#(a)","amount":-40,"currencyId":"\#(h.capped.id)"}]}"#
                ),
                .badRequest, "INSUFFICIENT_BALANCE")
            #expect(body.details?["index"] == .integer(2))
        }
        #expect(try await h.balance(0) == 0)
        #expect(try await h.balance(1) == 0)
        #expect(try await h.store.verify { _ in }.entriesChecked == 0)
    }

    @Test(arguments: Backend.all) func aSuccessfulBatchIsAppliedAndJournaled(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let (a, b) = (h.members[0].id.rawValue, h.members[1].id.rawValue)
        try await h.test { client in
            let response = try await client.patch(
                h.batchPath, key: h.key,
                json:
                    #"{"updates":[{"dripId":"\#(a)","amount":100},{"dripId":"\#(b.uppercased())","amount":5,"currencyId":null},{"dripId":"\#(a)","amount":40,"currencyId":"\#(h.capped.id)"},{"dripId":"\#(a)","amount":-40}],"initiatorId":"discord:42"}"#
            )
            #expect(response.status == .ok)
            let body = try JSONDecoder().decode(BatchBody.self, from: Data(response.body.readableBytesView))
            #expect(body.success)
            #expect(
                body.updates == [
                    .init(dripId: a, currencyId: h.points.id.rawValue, balance: 0, newBalance: 100),
                    .init(dripId: b, currencyId: h.points.id.rawValue, balance: 0, newBalance: 5),
                    .init(dripId: a, currencyId: h.capped.id.rawValue, balance: 0, newBalance: 40),
                    .init(dripId: a, currencyId: h.points.id.rawValue, balance: 100, newBalance: 60),
                ])
        }
        #expect(try await h.balance(0) == 60)
        #expect(try await h.balance(1) == 5)
        #expect(try await h.balance(0, h.capped.id) == 40)
        let journal = try await h.store.journal(of: h.members[0].id, in: h.realm.id, limit: 10)
        #expect(journal.count == 3)
        #expect(journal.allSatisfy { $0.initiatorID == "discord:42" && $0.kind == .batch })
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func anAdminKeyMayActOnAnyRealm(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let response = try await client.patch(
                h.batchPath, key: h.adminKey, json: #"{"updates":[{"dripId":"\#(h.members[2].id)","amount":3}]}"#)
            #expect(response.status == .ok)
        }
        #expect(try await h.balance(2) == 3)
    }

    /// Bodies that must be rejected as `VALIDATION_ERROR`, with a word the message must contain.
    static let invalidBodies: [(String, String)] = [
        ("", "body"),
        ("{", "JSON"),
        ("[]", "object"),
        ("null", "object"),
        (#""updates""#, "object"),
        ("{}", "updates"),
        (#"{"updates":{}}"#, "updates"),
        (#"{"updates":[]}"#, "at least 1"),
        (#"{"updates":[1]}"#, "updates[0]"),
        (#"{"updates":[{"amount":1}]}"#, "updates[0].dripId"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013"}]}"#, "updates[0].amount"),
        (#"{"updates":[{"dripId":"xyz","amount":1}]}"#, "dripId"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd79943901","amount":1}]}"#, "dripId"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":"1"}]}"#, "amount"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":1.5}]}"#, "amount"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":null}]}"#, "amount"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":true}]}"#, "amount"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":9223372036854775808}]}"#, "64 bits"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":-9223372036854775809}]}"#, "64 bits"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":1,"currencyId":"points"}]}"#, "currencyId"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":1,"currencyId":7}]}"#, "currencyId"),
        (#"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":1}],"initiatorId":7}"#, "initiatorId"),
        (
            #"{"updates":[{"dripId":"507f1f77bcf86cd799439013","amount":1}],"initiatorId":"\#(String(repeating: "x", count: 257))"}"#,
            "initiatorId"
        ),
        (
            #"{"updates":[\#(Array(repeating: #"{"dripId":"507f1f77bcf86cd799439013","amount":1}"#, count: 11).joined(separator: ","))]}"#,
            "at most 10"
        ),
        (String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000), ""),
    ]

    @Test(arguments: Backend.all, invalidBodies)
    func invalidBodiesAreValidationErrors(_ backend: Backend, _ invalid: (json: String, mentions: String)) async throws
    {
        let (json, mentions) = invalid
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let body = try expectFailure(
                try await client.patch(h.batchPath, key: h.key, json: json), .badRequest, "VALIDATION_ERROR")
            #expect(mentions.isEmpty || body.message.contains(mentions), "message: \(body.message)")
        }
        #expect(try await h.store.verify { _ in }.entriesChecked == 0)
    }

    @Test(arguments: Backend.all) func aBodyOverTheLimitIs413(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let padding = String(repeating: " ", count: h.limits.bodyBytesMax)
            let json = #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":1}]}"# + padding
            try expectFailure(
                try await client.patch(h.batchPath, key: h.key, json: json), .contentTooLarge, "PAYLOAD_TOO_LARGE")
        }
        #expect(try await h.balance(0) == 0)
    }

    @Test(arguments: Backend.all) func aMalformedRealmIdIs400(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            for realm in ["abc", "507f1f77bcf86cd79943901z", "507f1f77bcf86cd7994390111", "%27%20OR%201%3D1"] {
                try expectFailure(
                    try await client.patch("/api/v1/realms/\(realm)/members/transaction", key: h.adminKey, json: "{}"),
                    .badRequest, "VALIDATION_ERROR")
            }
        }
    }

    @Test(arguments: Backend.all) func anUnknownRealmIs404ForAnAdminKey(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            try expectFailure(
                try await client.patch(
                    "/api/v1/realms/0123456789abcdef01234567/members/transaction", key: h.adminKey,
                    json: #"{"updates":[{"dripId":"\#(h.members[0].id)","amount":1}]}"#),
                .notFound, "Not Found")
        }
    }

    @Test(arguments: Backend.all) func changeFailuresNameTheChangeAndLeaveNoTrace(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let a = h.members[0].id.rawValue
        let ghost = "0123456789abcdef01234567"
        let cases: [(String, String, Int64)] = [
            (#"{"updates":[{"dripId":"\#(a)","amount":5},{"dripId":"\#(ghost)","amount":1}]}"#, "MEMBER_NOT_FOUND", 1),
            (
                #"{"updates":[{"dripId":"\#(a)","amount":5},{"dripId":"\#(a)","amount":1,"currencyId":"\#(ghost)"}]}"#,
                "CURRENCY_NOT_FOUND", 1
            ),
            (
                #"{"updates":[{"dripId":"\#(a)","amount":1,"currencyId":"\#(h.otherRealm.id)"}]}"#,
                "CURRENCY_NOT_FOUND", 0
            ),
            (#"{"updates":[{"dripId":"\#(a)","amount":5},{"dripId":"\#(a)","amount":-6}]}"#, "INSUFFICIENT_BALANCE", 1),
            (
                #"{"updates":[{"dripId":"\#(a)","amount":101,"currencyId":"\#(h.capped.id)"}]}"#,
                "BALANCE_LIMIT_EXCEEDED", 0
            ),
            (
                #"{"updates":[{"dripId":"\#(a)","amount":9223372036854775807},{"dripId":"\#(a)","amount":1}]}"#,
                "AMOUNT_OVERFLOW", 1
            ),
        ]
        try await h.test { client in
            for (json, code, index) in cases {
                let body = try expectFailure(
                    try await client.patch(h.batchPath, key: h.key, json: json), .badRequest, code)
                #expect(body.details?["index"] == .integer(index), "\(code) index")
                #expect(body.details?["dripId"] != nil, "\(code) dripId")
                #expect(body.message.contains("Change \(index)"), "\(code) message: \(body.message)")
            }
            let body = try expectFailure(
                try await client.patch(h.batchPath, key: h.key, json: cases[3].0), .badRequest, "INSUFFICIENT_BALANCE")
            #expect(body.details?["balance"] == .integer(5))
            #expect(body.details?["amount"] == .integer(-6))
            #expect(body.details?["currencyId"] == .text(h.points.id.rawValue))
        }
        #expect(try await h.balance(0) == 0)
        #expect(try await h.store.verify { _ in }.entriesChecked == 0)
    }
}
