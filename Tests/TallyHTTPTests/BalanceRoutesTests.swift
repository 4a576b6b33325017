import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// Single updates and transfers share the batch endpoint's atomic, journaled path.
@Suite(.serviceScope) struct BalanceRoutesTests {
    @Test(arguments: Backend.all) func aSingleUpdateReturnsTheNewBalanceAndItsJournalEntry(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let a = h.members[0].id
        try await h.test { client in
            let path = "/api/v1/realms/\(h.realm.id)/members/\(a)/balance"
            let first = try object(
                try await client.send(.patch, path, key: h.key, json: #"{"amount":40,"initiatorId":"bot"}"#))
            #expect(first["balance"] as? Int == 40)
            #expect(first["dripId"] as? String == a.rawValue)
            #expect(first["currencyId"] as? String == h.points.id.rawValue)
            let second = try await client.send(.patch, path, key: h.key, json: #"{"amount":-41}"#)
            let failure = try expectFailure(second, .badRequest, "INSUFFICIENT_BALANCE")
            #expect(failure.details?["balance"] == .integer(40))
            let journal = try await h.store.journal(of: a, in: h.realm.id, limit: 5)
            #expect(journal.map(\.id.rawValue) == [first["id"] as? String])
            #expect(journal.first?.kind == .single)
            #expect(journal.first?.initiatorID == "bot")
            // A member the path names that does not exist is 404 MEMBER_NOT_FOUND (DRIP's guides tell
            // bots 404 means "member not found"), with the details a change failure carries.
            for prefix in ["realms", "realm"] {
                for route in ["balance", "point-balance"] {
                    let unknown = try expectFailure(
                        try await client.send(
                            .patch, "/api/v1/\(prefix)/\(h.realm.id)/members/0123456789abcdef01234567/\(route)",
                            key: h.key, json: #"{"amount":1}"#),
                        .notFound, "MEMBER_NOT_FOUND")
                    #expect(
                        unknown.details == [
                            "index": .integer(0), "dripId": .text("0123456789abcdef01234567"), "amount": .integer(1),
                        ])
                }
            }
            try expectFailure(
                try await client.send(
                    .patch, "/api/v1/realms/\(h.realm.id)/members/zzz/balance", key: h.key, json: #"{"amount":1}"#),
                .badRequest, "VALIDATION_ERROR")
        }
        #expect(try await h.balance(0) == 40)
    }

    @Test(arguments: Backend.all) func theOlderSpellingsWork(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let (a, b) = (h.members[0].id, h.members[1].id)
        try await h.test { client in
            let single = try await client.send(
                .patch, "/api/v1/realm/\(h.realm.id)/members/\(a)/point-balance", key: h.key,
                json: #"{"tokens":25,"realmPointId":"\#(h.capped.id)"}"#)
            #expect(try object(single)["balance"] as? Int == 25)
            let batch = try await client.send(
                .patch, "/api/v1/realm/\(h.realm.id)/members/batch-point-balance", key: h.key,
                json: #"{"updates":[{"memberId":"\#(a)","tokens":3},{"memberId":"\#(b)","tokens":4}]}"#)
            #expect(batch.status == .ok)
            let transfer = try await client.send(
                .patch, "/api/v1/realm/\(h.realm.id)/members/\(a)/transfer", key: h.key,
                json: #"{"tokens":2,"recipientId":"\#(b)"}"#)
            #expect(try object(transfer)["balance"] as? Int == 1)
        }
        #expect(try await h.balance(0, h.capped.id) == 25)
        #expect(try await h.balance(0) == 1)
        #expect(try await h.balance(1) == 6)
    }

    @Test(arguments: Backend.all) func transfersMovePointsAndRefuseWhatTheyMust(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let (a, b) = (h.members[0].id, h.members[1].id)
        let locked = try await h.store.createCurrency(
            CurrencyDraft(name: "Soulbound", isTransferable: false), in: h.realm.id)
        _ = try await h.store.apply(
            try Batch(
                realmID: h.realm.id,
                changes: [Change(memberID: a, amount: 10), Change(memberID: a, amount: 10, currencyID: locked.id)]))
        try await h.test { client in
            let path = "/api/v1/realms/\(h.realm.id)/members/\(a)/transfer"
            let moved = try object(
                try await client.send(.patch, path, key: h.key, json: #"{"amount":7,"recipientId":"\#(b)"}"#))
            #expect(moved["balance"] as? Int == 3)
            #expect(moved["senderId"] as? String == a.rawValue)
            #expect(moved["recipientId"] as? String == b.rawValue)
            let refusals: [(String, String)] = [
                (#"{"amount":4,"recipientId":"\#(b)"}"#, "INSUFFICIENT_BALANCE"),
                (#"{"amount":1,"recipientId":"\#(b)","currencyId":"\#(locked.id)"}"#, "CURRENCY_NOT_TRANSFERABLE"),
                (#"{"amount":1,"recipientId":"\#(a)"}"#, "VALIDATION_ERROR"),
                (#"{"amount":0,"recipientId":"\#(b)"}"#, "VALIDATION_ERROR"),
                (#"{"amount":-5,"recipientId":"\#(b)"}"#, "VALIDATION_ERROR"),
                (#"{"amount":1}"#, "VALIDATION_ERROR"),
                (#"{"amount":1,"recipientId":"nope"}"#, "VALIDATION_ERROR"),
            ]
            for (json, code) in refusals {
                try expectFailure(try await client.send(.patch, path, key: h.key, json: json), .badRequest, code)
            }
            // An unknown recipient or sender is 404 MEMBER_NOT_FOUND, the details naming the party.
            let ghost = "0123456789abcdef01234567"
            let recipient = try expectFailure(
                try await client.send(.patch, path, key: h.key, json: #"{"amount":1,"recipientId":"\#(ghost)"}"#),
                .notFound, "MEMBER_NOT_FOUND")
            #expect(
                recipient.details == [
                    "index": .integer(1), "dripId": .text(ghost), "amount": .integer(1), "party": .text("recipient"),
                ])
            let sender = try expectFailure(
                try await client.send(
                    .patch, "/api/v1/realm/\(h.realm.id)/members/\(ghost)/transfer", key: h.key,
                    json: #"{"amount":1,"recipientId":"\#(b)"}"#),
                .notFound, "MEMBER_NOT_FOUND")
            #expect(sender.details?["party"] == .text("sender"))
            #expect(sender.details?["dripId"] == .text(ghost))
        }
        #expect(try await h.balance(0) == 3)
        #expect(try await h.balance(1) == 7)
        let journal = try await h.store.journal(of: b, in: h.realm.id, limit: 5)
        #expect(journal.map(\.kind) == [.transfer])
        #expect(try await h.store.verify { _ in }.isClean)
    }
}
