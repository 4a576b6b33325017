import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

/// DRIP's legacy v4 routes (`/api/v4/realms/{realmId}/…`), driven as public bots drive them: a
/// member named by its Discord id, in the path and as a JSON number in bodies.
@Suite(.serviceScope) struct LegacyRoutesTests {
    /// Two snowflakes above 2^53 that one Double cannot tell apart: a server that read them
    /// through a Double would confuse the two members.
    static let dora = "1190194345295482952"
    static let eve = "1190194345295482953"

    struct Realm {
        let h: HTTPHarness
        let dora: Member
        let eve: Member

        var base: String { "/api/v4/realms/\(h.realm.id)" }

        static func make(_ backend: Backend) async throws -> Realm {
            let h = try await HTTPHarness.make(backend)
            let dora = try await h.store.createMember(
                Credentials(username: "dora", discordId: LegacyRoutesTests.dora), in: h.realm.id)
            let eve = try await h.store.createMember(
                Credentials(username: "eve", discordId: LegacyRoutesTests.eve), in: h.realm.id)
            return Realm(h: h, dora: dora, eve: eve)
        }

        func balance(_ member: Member, _ currency: CurrencyID? = nil) async throws -> Int64 {
            try await h.store.balance(
                BalanceKey(currencyID: currency ?? h.points.id, memberID: member.id), in: h.realm.id)
        }
    }

    func array(_ response: TestResponse) throws -> [[String: Any]] {
        guard
            let value = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                as? [[String: Any]]
        else {
            throw JSONShapeError(description: "not a JSON array of objects: \(String(buffer: response.body))")
        }
        return value
    }

    @Test(arguments: Backend.all) func aMemberNamedByDiscordIdGoesThroughEveryRoute(_ backend: Backend) async throws {
        let r = try await Realm.make(backend)
        defer { r.h.cleanUp() }
        let h = r.h
        let alice = h.members[0]
        try await h.test { client in
            // tokenBalance: {newBalance}, in the named currency, then in the default one.
            let first = try await client.send(
                .patch, "\(r.base)/members/\(Self.dora)/tokenBalance", key: h.key,
                json: #"{"tokens":100,"realmPointId":"\#(h.points.id)"}"#)
            #expect(first.status == .ok)
            #expect(String(buffer: first.body) == #"{"newBalance":100}"#)
            let second = try await client.send(
                .patch, "\(r.base)/members/\(Self.dora)/tokenBalance", key: h.key, json: #"{"tokens":-10}"#)
            #expect(String(buffer: second.body) == #"{"newBalance":90}"#)

            // The member: v1's shape, balances as an object from currency id to balance.
            let member = try object(try await client.send(.get, "\(r.base)/members/\(Self.dora)", key: h.key))
            #expect(
                Set(member.keys) == [
                    "id", "realmMemberId", "username", "displayName", "email", "joinedAt", "credentials", "balances",
                    "metadata", "notes",
                ])
            #expect(member["id"] as? String == r.dora.id.rawValue)
            #expect(member["realmMemberId"] as? String == r.dora.id.rawValue)
            #expect(member["username"] as? String == "dora")
            #expect(member["displayName"] as? String == "dora")
            #expect(member["email"] is NSNull)
            #expect(member["metadata"] is NSNull)
            #expect(member["notes"] is NSNull)
            #expect(member["joinedAt"] as? String != nil)
            let credentials = try #require(member["credentials"] as? [[String: Any]])
            #expect(credentials.first?["publicIdentifier"] as? String == Self.dora)
            #expect(credentials.first?["format"] as? String == "discord")
            #expect(member["balances"] as? [String: Int] == [h.points.id.rawValue: 90])
            // By drip id, the same answer.
            let byDripID = try await client.send(.get, "\(r.base)/members/\(r.dora.id)", key: h.key)
            #expect(try object(byDripID)["balances"] as? [String: Int] == [h.points.id.rawValue: 90])

            // transfer: to a member named by a Discord id sent as a JSON number.
            let transfer = try await client.send(
                .patch, "\(r.base)/members/\(Self.dora)/transfer", key: h.key,
                json: #"{"recipientId":\#(Self.eve),"tokens":30}"#)
            #expect(transfer.status == .ok)
            #expect(String(buffer: transfer.body) == #"{"message":"Ok"}"#)
            #expect(try await r.balance(r.dora) == 60)
            #expect(try await r.balance(r.eve) == 30)

            // The batch: entries by Discord id (number and text) and drip id, aliases accepted.
            let batch = try await client.send(
                .patch, "\(r.base)/members/tokenBalance", key: h.key,
                json: """
                    {"description":"weekly rewards","entries":[
                    {"memberId":\(Self.eve),"tokens":5},
                    {"memberId":"\(alice.id)","amount":7,"currencyId":"\(h.points.id)"},
                    {"memberId":"\(Self.dora)","tokens":1,"realmPointId":"\(h.capped.id)"}]}
                    """)
            #expect(batch.status == .ok)
            #expect(String(buffer: batch.body) == #"{"message":"Ok"}"#)

            // The leaderboard: a bare array, highest first, userId the Discord id when there is one.
            let board = try array(try await client.send(.get, "\(r.base)/leaderboard", key: h.key))
            for entry in board { #expect(Set(entry.keys) == ["userId", "id", "username", "balance", "rank"]) }
            #expect(board.map { $0["userId"] as? String } == [Self.dora, Self.eve, alice.id.rawValue])
            #expect(board.map { $0["id"] as? String } == [r.dora.id, r.eve.id, alice.id].map(\.rawValue))
            #expect(board.map { $0["username"] as? String } == ["dora", "eve", "alice"])
            #expect(board.map { $0["balance"] as? Int } == [60, 35, 7])
            #expect(board.map { $0["rank"] as? Int } == [1, 2, 3])
            let top = try array(try await client.send(.get, "\(r.base)/leaderboard?limit=2", key: h.key))
            #expect(top.map { $0["balance"] as? Int } == [60, 35])
            let capped = try array(
                try await client.send(.get, "\(r.base)/leaderboard?realmPointId=\(h.capped.id)", key: h.key))
            #expect(capped.map { $0["userId"] as? String } == [Self.dora])
            #expect(capped.map { $0["balance"] as? Int } == [1])
        }

        // The journal: the same kinds of entry as the v1 routes, the description as initiator.
        let doraJournal = try await h.store.journal(of: r.dora.id, in: h.realm.id, limit: 10)
        #expect(doraJournal.map(\.kind) == [.batch, .transfer, .single, .single])
        #expect(doraJournal.map(\.amount) == [1, -30, -10, 100])
        #expect(doraJournal.map(\.currencyID) == [h.capped.id, h.points.id, h.points.id, h.points.id])
        #expect(doraJournal.map(\.balanceAfter) == [1, 60, 90, 100])
        #expect(doraJournal[0].initiatorID == "weekly rewards")
        let eveJournal = try await h.store.journal(of: r.eve.id, in: h.realm.id, limit: 10)
        #expect(eveJournal.map(\.kind) == [.batch, .transfer])
        #expect(eveJournal.map(\.amount) == [5, 30])
        #expect(eveJournal[1].batchID == doraJournal[1].batchID, "the two sides of a transfer are one batch")
        #expect(eveJournal[0].batchID == doraJournal[0].batchID, "the entries of a batch are one batch")
        let aliceJournal = try await h.store.journal(of: alice.id, in: h.realm.id, limit: 10)
        #expect(aliceJournal.map(\.initiatorID) == ["weekly rewards"])
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func unknownMembersAre404AndABatchRefusesThemWith400(_ backend: Backend)
        async throws
    {
        let r = try await Realm.make(backend)
        defer { r.h.cleanUp() }
        let h = r.h
        let ghost = "0123456789abcdef01234567"
        _ = try await h.store.apply(
            try Batch(realmID: h.realm.id, changes: [Change(memberID: r.dora.id, amount: 10)]))
        try await h.test { client in
            let missing = try expectFailure(
                try await client.send(.get, "\(r.base)/members/42", key: h.key), .notFound, "MEMBER_NOT_FOUND")
            #expect(missing.details == ["discordId": .text("42")])
            let missingByDripID = try expectFailure(
                try await client.send(.get, "\(r.base)/members/\(ghost)", key: h.key), .notFound, "MEMBER_NOT_FOUND")
            #expect(missingByDripID.details == ["dripId": .text(ghost)])

            let single = try expectFailure(
                try await client.send(.patch, "\(r.base)/members/42/tokenBalance", key: h.key, json: #"{"tokens":3}"#),
                .notFound, "MEMBER_NOT_FOUND")
            #expect(single.details == ["index": .integer(0), "discordId": .text("42"), "amount": .integer(3)])
            try expectFailure(
                try await client.send(
                    .patch, "\(r.base)/members/\(ghost)/tokenBalance", key: h.key, json: #"{"tokens":3}"#),
                .notFound, "MEMBER_NOT_FOUND")

            let sender = try expectFailure(
                try await client.send(
                    .patch, "\(r.base)/members/42/transfer", key: h.key,
                    json: #"{"recipientId":\#(Self.eve),"tokens":1}"#
                ), .notFound, "MEMBER_NOT_FOUND")
            #expect(sender.details?["party"] == .text("sender"))
            let recipient = try expectFailure(
                try await client.send(
                    .patch, "\(r.base)/members/\(Self.dora)/transfer", key: h.key,
                    json: #"{"recipientId":42,"tokens":1}"#
                ), .notFound, "MEMBER_NOT_FOUND")
            #expect(
                recipient.details == [
                    "index": .integer(1), "discordId": .text("42"), "amount": .integer(1), "party": .text("recipient"),
                ])

            // A batch refuses an unknown member as a change: 400, naming the entry, as v1 does.
            let batch = try expectFailure(
                try await client.send(
                    .patch, "\(r.base)/members/tokenBalance", key: h.key,
                    json: #"{"entries":[{"memberId":\#(Self.eve),"tokens":1},{"memberId":42,"tokens":2}]}"#),
                .badRequest, "MEMBER_NOT_FOUND")
            #expect(batch.details == ["index": .integer(1), "discordId": .text("42"), "amount": .integer(2)])
            let byDripID = try expectFailure(
                try await client.send(
                    .patch, "\(r.base)/members/tokenBalance", key: h.key,
                    json: #"{"entries":[{"memberId":"\#(ghost)","tokens":1}]}"#),
                .badRequest, "MEMBER_NOT_FOUND")
            #expect(byDripID.details?["dripId"] == .text(ghost))
        }
        #expect(try await r.balance(r.dora) == 10)
        #expect(try await r.balance(r.eve) == 0)
        #expect(try await h.store.journal(of: r.eve.id, in: h.realm.id, limit: 5).isEmpty)
    }

    @Test(arguments: Backend.all) func badInputCurrenciesAndBalancesAreRefusedAndApplyNothing(_ backend: Backend)
        async throws
    {
        let r = try await Realm.make(backend)
        defer { r.h.cleanUp() }
        let h = r.h
        let ghostCurrency = "0123456789abcdef01234569"
        _ = try await h.store.apply(
            try Batch(realmID: h.realm.id, changes: [Change(memberID: r.dora.id, amount: 10)]))
        try await h.test { client in
            let single = "\(r.base)/members/\(Self.dora)/tokenBalance"
            let transfer = "\(r.base)/members/\(Self.dora)/transfer"
            let batch = "\(r.base)/members/tokenBalance"
            let refusals: [(String, String, String)] = [
                (single, #"{"tokens":"5"}"#, "VALIDATION_ERROR"),
                (single, #"{"tokens":1.5}"#, "VALIDATION_ERROR"),
                (single, #"{"tokens":9223372036854775808}"#, "VALIDATION_ERROR"),
                (single, #"{}"#, "VALIDATION_ERROR"),
                (single, #"{"tokens":1,"realmPointId":"nope"}"#, "VALIDATION_ERROR"),
                (single, #"{"tokens":1,"realmPointId":"\#(ghostCurrency)"}"#, "CURRENCY_NOT_FOUND"),
                (single, #"{"tokens":-11}"#, "INSUFFICIENT_BALANCE"),
                (single, #"{"tokens":9223372036854775807}"#, "AMOUNT_OVERFLOW"),
                (transfer, #"{"recipientId":\#(Self.eve),"tokens":0}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":\#(Self.eve),"tokens":-1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":\#(Self.dora),"tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":"\#(r.dora.id)","tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":-5,"tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":1.5,"tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":true,"tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":"eve","tokens":1}"#, "VALIDATION_ERROR"),
                (transfer, #"{"recipientId":\#(Self.eve),"tokens":11}"#, "INSUFFICIENT_BALANCE"),
                (
                    transfer, #"{"recipientId":\#(Self.eve),"tokens":1,"realmPointId":"\#(ghostCurrency)"}"#,
                    "CURRENCY_NOT_FOUND"
                ),
                (batch, #"{"entries":[]}"#, "VALIDATION_ERROR"),
                (batch, #"{"description":"x"}"#, "VALIDATION_ERROR"),
                (batch, #"{"entries":[{"tokens":1}]}"#, "VALIDATION_ERROR"),
                (batch, #"{"entries":[{"memberId":\#(Self.eve)}]}"#, "VALIDATION_ERROR"),
                (
                    batch,
                    #"{"entries":[{"memberId":\#(Self.eve),"tokens":1}],"description":"\#(String(repeating: "d", count: 257))"}"#,
                    "VALIDATION_ERROR"
                ),
                (
                    batch,
                    #"{"entries":[\#(Array(repeating: #"{"memberId":\#(Self.eve),"tokens":1}"#, count: 11).joined(separator: ","))]}"#,
                    "VALIDATION_ERROR"
                ),
                (
                    batch, #"{"entries":[{"memberId":\#(Self.eve),"tokens":1,"realmPointId":"\#(ghostCurrency)"}]}"#,
                    "CURRENCY_NOT_FOUND"
                ),
                // The first entry would apply; the second overdraws, so neither does.
                (
                    batch,
                    #"{"entries":[{"memberId":\#(Self.eve),"tokens":4},{"memberId":\#(Self.dora),"tokens":-11}]}"#,
                    "INSUFFICIENT_BALANCE"
                ),
            ]
            for (path, json, code) in refusals {
                let failure = try expectFailure(
                    try await client.send(.patch, path, key: h.key, json: json), .badRequest, code)
                #expect(!failure.message.isEmpty, "\(json)")
            }
            let missingTokens = try expectFailure(
                try await client.send(.patch, batch, key: h.key, json: #"{"entries":[{"memberId":1}]}"#), .badRequest,
                "VALIDATION_ERROR")
            #expect(missingTokens.message == "entries[0].tokens is required.")
            try expectFailure(
                try await client.send(.get, "\(r.base)/members/abc", key: h.key), .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.get, "\(r.base)/members/123456789012345678901", key: h.key), .badRequest,
                "VALIDATION_ERROR")
            for query in ["limit=0", "limit=101", "limit=x", "realmPointId=nope"] {
                try expectFailure(
                    try await client.send(.get, "\(r.base)/leaderboard?\(query)", key: h.key), .badRequest,
                    "VALIDATION_ERROR")
            }
            try expectFailure(
                try await client.send(.get, "\(r.base)/leaderboard?realmPointId=\(ghostCurrency)", key: h.key),
                .badRequest, "CURRENCY_NOT_FOUND")
        }
        #expect(try await r.balance(r.dora) == 10)
        #expect(try await r.balance(r.eve) == 0)
        #expect(try await h.store.journal(of: r.dora.id, in: h.realm.id, limit: 5).count == 1)
        #expect(try await h.store.journal(of: r.eve.id, in: h.realm.id, limit: 5).isEmpty)
    }

    @Test(arguments: Backend.all) func scopesAndRealmsAreCheckedAsOnV1(_ backend: Backend) async throws {
        let r = try await Realm.make(backend)
        defer { r.h.cleanUp() }
        let h = r.h
        let outsider = try await h.store.createMember(
            Credentials(username: "outsider", discordId: "777"), in: h.otherRealm.id)
        let pointsOnly = try await h.store.issueKey(
            realm: h.realm.id, name: nil, scopes: [.pointsWrite], ids: IDGenerator())
        let writes: [(String, String)] = [
            ("\(r.base)/members/\(Self.dora)/tokenBalance", #"{"tokens":5}"#),
            ("\(r.base)/members/tokenBalance", #"{"entries":[{"memberId":\#(Self.dora),"tokens":5}]}"#),
            ("\(r.base)/members/\(Self.dora)/transfer", #"{"recipientId":\#(Self.eve),"tokens":1}"#),
        ]
        let reads = ["\(r.base)/members/\(Self.dora)", "\(r.base)/leaderboard"]
        try await h.test { client in
            for (path, json) in writes {
                // A key without points:write is refused; another realm's key too.
                let refused = try expectFailure(
                    try await client.send(.patch, path, key: h.readOnlyKey, json: json), .forbidden, "Forbidden")
                #expect(refused.message.contains("points:write"))
                try expectFailure(
                    try await client.send(.patch, path, key: h.otherRealmKey, json: json), .forbidden, "Forbidden")
                try expectFailure(
                    try await client.send(.patch, path, key: nil, json: json), .unauthorized, "Unauthorized")
            }
            for path in reads {
                #expect(try await client.send(.get, path, key: h.readOnlyKey).status == .ok)
                try expectFailure(
                    try await client.send(.get, path, key: pointsOnly.secret.text), .forbidden, "Forbidden")
                try expectFailure(try await client.send(.get, path, key: h.otherRealmKey), .forbidden, "Forbidden")
            }
            // Through its own realm's path, a key reaches no member of another realm: a Discord id
            // or a drip id of realm A is unknown in realm B.
            let theirs = "/api/v4/realms/\(h.otherRealm.id)"
            for member in [Self.dora, r.dora.id.rawValue] {
                try expectFailure(
                    try await client.send(
                        .patch, "\(theirs)/members/\(member)/tokenBalance", key: h.otherRealmKey, json: #"{"tokens":5}"#
                    ),
                    .notFound, "MEMBER_NOT_FOUND")
                try expectFailure(
                    try await client.send(.get, "\(theirs)/members/\(member)", key: h.otherRealmKey), .notFound,
                    "MEMBER_NOT_FOUND")
            }
            try expectFailure(
                try await client.send(
                    .patch, "\(theirs)/members/777/transfer", key: h.otherRealmKey,
                    json: #"{"recipientId":\#(Self.eve),"tokens":1}"#),
                .notFound, "MEMBER_NOT_FOUND")
            // And realm A's key cannot name realm B's member through its own realm either.
            try expectFailure(
                try await client.send(.get, "\(r.base)/members/777", key: h.key), .notFound, "MEMBER_NOT_FOUND")
            #expect(try await client.send(.get, "\(theirs)/members/777", key: h.otherRealmKey).status == .ok)
        }
        #expect(try await r.balance(r.dora) == 0)
        #expect(try await r.balance(r.eve) == 0)
        #expect(try await h.store.journal(of: outsider.id, in: h.otherRealm.id, limit: 5).isEmpty)
    }

    @Test(arguments: Backend.all) func aRetryWithAnIdempotencyKeyReplaysAndAppliesOnce(_ backend: Backend) async throws
    {
        let r = try await Realm.make(backend)
        defer { r.h.cleanUp() }
        let h = r.h
        let keyHeader = HTTPField.Name("Idempotency-Key")!
        let replayedHeader = HTTPField.Name("Idempotency-Replayed")!
        @Sendable func patch(_ client: any TestClientProtocol, _ path: String, _ key: String, _ json: String)
            async throws
            -> TestResponse
        {
            try await client.patch(path, key: h.key, json: json, headers: [keyHeader: key])
        }
        // Each write, and another request under the same key.
        let writes: [(String, String, String, String)] = [
            ("single", "\(r.base)/members/\(Self.dora)/tokenBalance", #"{"tokens":50}"#, #"{"tokens":51}"#),
            (
                "batch", "\(r.base)/members/tokenBalance", #"{"entries":[{"memberId":\#(Self.eve),"tokens":20}]}"#,
                #"{"entries":[{"memberId":\#(Self.eve),"tokens":21}]}"#
            ),
            (
                "transfer", "\(r.base)/members/\(Self.dora)/transfer", #"{"recipientId":\#(Self.eve),"tokens":5}"#,
                #"{"recipientId":\#(Self.eve),"tokens":6}"#
            ),
        ]
        try await h.test { client in
            for (name, path, json, other) in writes {
                let first = try await patch(client, path, name, json)
                #expect(first.status == .ok, "\(name)")
                #expect(first.headers[replayedHeader] == nil)
                let retry = try await patch(client, path, name, json)
                #expect(retry.status == .ok, "\(name)")
                #expect(retry.headers[replayedHeader] == "true", "\(name)")
                #expect(String(buffer: retry.body) == String(buffer: first.body), "\(name)")
                try expectFailure(try await patch(client, path, name, other), .conflict, "IDEMPOTENCY_KEY_REUSED")
            }
        }
        #expect(try await r.balance(r.dora) == 45)
        #expect(try await r.balance(r.eve) == 25)
        #expect(
            try await h.store.journal(of: r.dora.id, in: h.realm.id, limit: 10).map(\.kind) == [.transfer, .single])
        #expect(try await h.store.journal(of: r.eve.id, in: h.realm.id, limit: 10).map(\.kind) == [.transfer, .batch])
        #expect(try await h.store.verify { _ in }.isClean)
    }
}
