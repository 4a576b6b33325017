import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// The feed of a realm's events: sequence order, a cursor, filters, and the realm and scope checks.
@Suite(.serviceScope) struct EventRoutesTests {
    @Test(arguments: Backend.all) func theFeedListsEachWriteOnceInSequenceOrder(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let feed = "/api/v1/realms/\(h.realm.id)/events"
        let (alice, bob) = (h.members[0].id, h.members[1].id)
        try await h.test { client in
            let batch = try await client.patch(
                h.batchPath, key: h.key,
                json:
                    #"{"updates":[{"dripId":"\#(alice)","amount":10},{"dripId":"\#(bob)","amount":5}],"initiatorId":"bot"}"#
            )
            #expect(batch.status == .ok)
            try expectFailure(
                try await client.patch(
                    h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(alice)","amount":-1000}]}"#),
                .badRequest, "INSUFFICIENT_BALANCE")
            let single = try await client.send(
                .patch, "/api/v1/realms/\(h.realm.id)/members/\(bob)/balance", key: h.key, json: #"{"amount":-2}"#)
            #expect(single.status == .ok)

            // The harness made two currencies and three members: events 1 to 5.
            let all = try object(try await client.send(.get, feed, key: h.key))
            let events = try #require(all["data"] as? [[String: Any]])
            #expect(events.map { $0["seq"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
            #expect(
                events.map { $0["type"] as? String } == [
                    "currency.created", "currency.created", "member.joined", "member.joined", "member.joined",
                    "member.points.awarded", "member.points.deducted",
                ])
            #expect((all["meta"] as? [String: Any])?["next"] as? Int == 7)
            #expect((all["meta"] as? [String: Any])?["hasMore"] as? Bool == false)
            let awarded = try #require(events[5]["data"] as? [String: Any])
            #expect(awarded["initiatorId"] as? String == "bot" && awarded["kind"] as? String == "batch")
            let changes = try #require(awarded["changes"] as? [[String: Any]])
            #expect(changes.map { $0["dripId"] as? String } == [alice.rawValue, bob.rawValue])
            #expect(changes.map { $0["balanceAfter"] as? Int } == [10, 5])
            #expect(changes.allSatisfy { ($0["entryId"] as? String)?.count == 24 })
            let deducted = try #require(events[6]["data"] as? [String: Any])
            #expect((deducted["changes"] as? [[String: Any]])?.first?["balanceBefore"] as? Int == 5)
            #expect(deducted["kind"] as? String == "single")

            let page = try object(try await client.send(.get, feed + "?after=5&limit=1", key: h.key))
            #expect((page["data"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [6])
            #expect((page["meta"] as? [String: Any])?["next"] as? Int == 6)
            #expect((page["meta"] as? [String: Any])?["hasMore"] as? Bool == true)
            let joins = try object(try await client.send(.get, feed + "?types=member.joined", key: h.key))
            #expect((joins["data"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [3, 4, 5])
            let two = try object(
                try await client.send(.get, feed + "?types=currency.created,member.points.deducted", key: h.key))
            #expect((two["data"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [1, 2, 7])
            let end = try object(try await client.send(.get, feed + "?after=7", key: h.key))
            #expect((end["data"] as? [Any])?.isEmpty == true)
            #expect((end["meta"] as? [String: Any])?["next"] is NSNull)

            for bad in [
                "after=-1", "after=x", "after=1.5", "limit=0", "limit=\(h.limits.pageSizeMax + 1)", "types=nope",
                "types=member.joined,", "types=MEMBER.JOINED", "wait=-1", "wait=31", "wait=x",
            ] {
                try expectFailure(
                    try await client.send(.get, feed + "?" + bad, key: h.key), .badRequest, "VALIDATION_ERROR")
            }
        }
    }

    /// `wait` holds a request that finds no event until one commits (or the wait ends).
    @Test(arguments: Backend.all) func aLongPollAnswersWhenTheNextEventCommits(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let feed = "/api/v1/realms/\(h.realm.id)/events"
        let alice = h.members[0].id
        try await h.test { client in
            let started = ContinuousClock.now
            let empty = try object(try await client.send(.get, feed + "?after=5&wait=1", key: h.key))
            #expect((empty["data"] as? [Any])?.isEmpty == true)
            #expect(ContinuousClock.now - started >= .milliseconds(900), "it waited")

            let pollStarted = ContinuousClock.now
            async let polled = client.send(.get, feed + "?after=5&wait=20", key: h.key)
            try await Task.sleep(for: .milliseconds(300))
            let write = try await client.patch(
                h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(alice)","amount":1}]}"#)
            #expect(write.status == .ok)
            let answered = try object(try await polled)
            #expect((answered["data"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [6])
            #expect(ContinuousClock.now - pollStarted < .seconds(19), "answered when the event committed, not at 20 s")
        }
    }

    @Test(arguments: Backend.all) func aKeyReadsOnlyItsOwnRealmsFeedAndNeedsTheScope(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let feed = "/api/v1/realms/\(h.realm.id)/events"
        try await h.test { client in
            let other = try expectFailure(
                try await client.send(.get, feed, key: h.otherRealmKey), .forbidden, "Forbidden")
            #expect(other.message.contains("another realm"))
            try expectFailure(try await client.send(.get, feed, key: h.readOnlyKey), .forbidden, "Forbidden")
            let own = try object(
                try await client.send(.get, "/api/v1/realms/\(h.otherRealm.id)/events", key: h.otherRealmKey))
            #expect((own["data"] as? [Any])?.isEmpty == true, "the other realm has no events of its own")
            let admin = try object(try await client.send(.get, feed, key: h.adminKey))
            #expect((admin["data"] as? [Any])?.count == 5)
            try expectFailure(
                try await client.send(.get, "/api/v1/realms/0123456789abcdef01234567/events", key: h.adminKey),
                .notFound, "Not Found")
        }
    }
}
