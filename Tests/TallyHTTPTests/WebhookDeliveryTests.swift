import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import TallyCore
import TallyTestSupport
import TallyWebhooks
import Testing

/// The deliverer against a real receiver on loopback: what arrives is exactly what the journal
/// and the feed say, signed; outages are retried in order; deletion stops delivery; a failed
/// event can be delivered again.
@Suite(.serviceScope) struct WebhookDeliveryTests {
    /// A deliverer on the harness's store, polling often, running until the test ends.
    static func startDeliverer(_ h: HTTPHarness, policy: DeliveryPolicy) {
        var logger = Logger(label: "tally.test.webhooks")
        logger.logLevel = .error
        ServiceScope.startForTest(
            WebhookDeliverer(
                store: h.store, sender: HTTPWebhookSender(allowPrivate: true, policy: policy), policy: policy,
                owner: "test-\(UUID().uuidString)", clock: h.clock, logger: logger, pollInterval: .milliseconds(20)))
    }

    /// A subscription to `receiver`, made through the API; returns its id and secret.
    static func subscribe(_ h: HTTPHarness, _ url: String, types: String = "null") async throws -> (
        String, WebhookSecret
    ) {
        try await h.testAllowingPrivateWebhooks { client in
            let body = try object(
                try await client.send(
                    .post, "/api/v1/realms/\(h.realm.id)/webhooks", key: h.key,
                    json: #"{"url":"\#(url)","types":\#(types)}"#))
            return (
                try #require(body["id"] as? String), WebhookSecret(stored: try #require(body["secret"] as? String))
            )
        }
    }

    /// The parsed body of a delivery.
    static func json(_ delivery: WebhookReceiver.Delivery) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])
    }

    /// A top-level field of a delivery's body.
    static func field(_ delivery: WebhookReceiver.Delivery, _ name: String) -> Any? {
        (try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])?[name]
    }

    /// The first accepted delivery of each event, in arrival order, by `seq`.
    static func firstAccepted(_ receiver: WebhookReceiver) throws -> [Int] {
        var seen = Set<Int>()
        var order = [Int]()
        for delivery in receiver.accepted {
            let seq = try #require(try json(delivery)["seq"] as? Int)
            if seen.insert(seq).inserted { order.append(seq) }
        }
        return order
    }

    @Test(arguments: Backend.all) func aMixedLoadArrivesExactlyAsTheJournalSays(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let (_, secret) = try await Self.subscribe(h, receiver.url)
        let start = try await h.store.lastEventSeq(in: h.realm.id)
        // Another realm's subscription, to a receiver of its own, must get that realm's events only.
        let otherReceiver = WebhookReceiver()
        try await otherReceiver.start()
        defer { Task { await otherReceiver.stop() } }
        _ = try await h.store.createWebhook(
            WebhookDraft(
                id: IDGenerator().make(), realmID: h.otherRealm.id, url: otherReceiver.url, types: nil,
                enabled: true, secret: WebhookSecret()), limit: 5, now: 0)
        // Retries come fast, and keep coming for about 16 s: a machine that stalls this process
        // for a second (the whole suite runs at once) must not use up an event's attempts.
        Self.startDeliverer(
            h, policy: DeliveryPolicy(attemptsMax: 20, retryBaseMilliseconds: 20, retryCapMilliseconds: 1_000))

        let members = h.members.map(\.id)
        let realm = h.realm.id
        // Batches (some overdrawn, some naming no member), transfers (some short), member
        // creations (one taken), a currency: what commits and what is refused.
        let (committedPoints, committedMembers, refused) = try await h.test { client in
            var points = 0
            var joined = 0
            var refused = 0
            for round in 0..<12 {
                let (a, b) = (members[round % 3], members[(round + 1) % 3])
                let requests: [(HTTPRequest.Method, String, String)] = [
                    (
                        .patch, h.batchPath,
                        #"{"updates":[{"dripId":"\#(a)","amount":\#(10 + round)},{"dripId":"\#(b)","amount":3}]}"#
                    ),
                    (
                        .patch, h.batchPath,
                        #"{"updates":[{"dripId":"\#(a)","amount":-\#(round % 4 == 0 ? 100_000 : 2)}]}"#
                    ),
                    (
                        .patch, h.batchPath,
                        #"{"updates":[{"dripId":"\#(b)","amount":-1},{"dripId":"\#(a)","amount":1}]}"#
                    ),
                    (
                        .patch, "/api/v1/realms/\(realm)/members/\(a)/transfer",
                        #"{"recipientId":"\#(b)","amount":\#(round % 5 == 0 ? 1_000_000 : 1)}"#
                    ),
                    (.patch, h.batchPath, #"{"updates":[{"dripId":"0123456789abcdef01234567","amount":1}]}"#),
                ]
                for (method, path, body) in requests {
                    let response = try await client.send(method, path, key: h.key, json: body)
                    if response.status == .ok { points += 1 } else { refused += 1 }
                }
                let member = try await client.send(
                    .post, "/api/v1/realms/\(realm)/members", key: h.key,
                    json: #"{"username":"\#(round % 6 == 5 ? "alice" : "joiner\(round)")"}"#)
                if member.status == .created { joined += 1 } else { refused += 1 }
            }
            return (points, joined, refused)
        }
        #expect(refused > 5, "some writes were refused")

        let feed = try await h.store.events(in: realm, after: start, limit: 1_000, types: nil)
        #expect(feed.count == committedPoints + committedMembers, "one event per committed write, none for refused")
        // A bound on waiting, not a latency check: it ends as soon as every event is in, and is long
        // enough for a machine that runs the whole suite at once (seen to deliver 33 of 52 events
        // in 30 s while a release build ran beside it).
        let arrived = await receiver.wait(timeout: .seconds(120)) { deliveries in
            Set(deliveries.filter { $0.status == 200 }.compactMap { try? Self.json($0)["id"] as? String })
                .isSuperset(of: feed.map(\.id.rawValue))
        }
        let missing = Set(feed.map(\.id.rawValue)).subtracting(
            receiver.deliveries.filter { $0.status == 200 }.compactMap { try? Self.json($0)["id"] as? String })
        #expect(
            arrived,
            "every event arrived; missing \(missing.count) of \(feed.count) after \(receiver.deliveries.count) deliveries: \(missing.sorted())"
        )
        let otherMember = try await h.store.createMember(Credentials(username: "elsewhere"), in: h.otherRealm.id)
        #expect(await otherReceiver.wait(timeout: .seconds(10)) { $0.count == 1 })
        #expect(
            otherReceiver.deliveries.map { Self.field($0, "realmId") as? String } == [h.otherRealm.id.rawValue],
            "the other realm's subscription got its own realm's event only")
        #expect(
            otherReceiver.deliveries.map { (Self.field($0, "data") as? [String: Any])?["dripId"] as? String } == [
                otherMember.id.rawValue
            ])
        #expect(
            receiver.deliveries.allSatisfy { Self.field($0, "realmId") as? String == realm.rawValue },
            "and this realm's got none of it")
        // In order, each once (the receiver never failed), and nothing that is not in the feed.
        #expect(try Self.firstAccepted(receiver) == feed.map { Int($0.sequence) })
        #expect(receiver.accepted.count == feed.count)

        let now = Int64(Date().timeIntervalSince1970)
        for (delivery, event) in zip(receiver.accepted, feed) {
            let body = try Self.json(delivery)
            #expect(body["id"] as? String == event.id.rawValue)
            #expect(body["type"] as? String == event.type.rawValue)
            #expect(body["realmId"] as? String == realm.rawValue)
            #expect(delivery.headers["x-tally-event-id"] == event.id.rawValue)
            #expect(
                delivery.headers["x-drip-signature"] == WebhookSignature.drip(body: delivery.body, secret: secret),
                "DRIP's signature over the exact body")
            let timestamp = try #require(delivery.headers["x-tally-timestamp"].flatMap { Int64($0) })
            #expect(
                WebhookSignature.verify(
                    body: delivery.body, timestamp: timestamp,
                    header: try #require(delivery.headers["x-tally-signature"]), secret: secret, now: now))
            #expect(
                !WebhookSignature.verify(
                    body: delivery.body, timestamp: timestamp,
                    header: try #require(delivery.headers["x-tally-signature"]),
                    secret: WebhookSecret(), now: now), "another secret does not verify")
            // The data is the journal's: each change's entry is there, with its amount and balances.
            guard event.type != .memberJoined else { continue }
            let changes = try #require((body["data"] as? [String: Any])?["changes"] as? [[String: Any]])
            for change in changes {
                let member = try #require(MemberID(change["dripId"] as? String ?? ""))
                let journal = try await h.store.journal(of: member, in: realm, limit: 1_000)
                let entry = try #require(journal.first { $0.id.rawValue == change["entryId"] as? String })
                #expect(Int64(try #require(change["amount"] as? Int)) == entry.amount)
                #expect(Int64(try #require(change["balanceAfter"] as? Int)) == entry.balanceAfter)
            }
        }
    }

    @Test(arguments: Backend.all) func anOutageIsRetriedInOrderAndDeletionStopsDelivery(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(500)
        let (id, _) = try await Self.subscribe(h, receiver.url)
        Self.startDeliverer(
            h,
            policy: DeliveryPolicy(
                attemptsMax: 100, retryBaseMilliseconds: 20, retryCapMilliseconds: 150, timeoutMilliseconds: 1_000))
        let alice = h.members[0].id
        let award = #"{"updates":[{"dripId":"\#(alice)","amount":1}]}"#
        try await h.test { client in
            for _ in 0..<5 {
                let response = try await client.patch(h.batchPath, key: h.key, json: award)
                #expect(response.status == .ok)
            }
        }
        #expect(await receiver.wait(timeout: .seconds(20)) { $0.count >= 4 }, "failing attempts made")
        #expect(receiver.accepted.isEmpty)
        await receiver.stop()
        try await h.test { client in
            for _ in 0..<5 {
                let response = try await client.patch(h.batchPath, key: h.key, json: award)
                #expect(response.status == .ok)
            }
        }
        try await Task.sleep(for: .milliseconds(3_000))  // attempts against a closed port time out
        try await receiver.start()
        receiver.answer(200)
        let feed = try await h.store.events(in: h.realm.id, after: 0, limit: 100, types: nil).suffix(10)
        let last = try #require(feed.last?.sequence)
        #expect(
            await receiver.wait(timeout: .seconds(30)) { _ in
                (try? Self.firstAccepted(receiver).count) == 10
            })
        #expect(try Self.firstAccepted(receiver) == feed.map { Int($0.sequence) }, "every event, in order")
        // Delivery is done once the subscription's place reaches the last event.
        let webhookID = try #require(WebhookID(id))
        var done = false
        for _ in 0..<400 where !done {
            done = try await h.store.webhook(webhookID, in: h.realm.id)?.deliveredThrough == last
            if !done { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(done)

        let listed = try await h.testAllowingPrivateWebhooks { client in
            try await client.send(.get, "/api/v1/realms/\(h.realm.id)/webhooks/\(id)/attempts?limit=100", key: h.key)
        }
        let attempts = try #require(try object(listed)["data"] as? [[String: Any]])
        // (A 200 the deliverer gave up waiting for, on a loaded machine, is sent again: at least once.)
        #expect(attempts.filter { $0["outcome"] as? String == "delivered" }.count >= 10)
        #expect(attempts.contains { $0["outcome"] as? String == "retrying" && $0["statusCode"] as? Int == 500 })
        #expect(
            attempts.contains { $0["outcome"] as? String == "retrying" && $0["statusCode"] is NSNull },
            "attempts while the receiver was down, with no status")

        let deleted = try await h.testAllowingPrivateWebhooks { client in
            try await client.send(.delete, "/api/v1/realms/\(h.realm.id)/webhooks/\(id)", key: h.key)
        }
        #expect(deleted.status == .noContent)
        let before = receiver.deliveries.count
        try await h.test { client in
            for _ in 0..<3 {
                let response = try await client.patch(h.batchPath, key: h.key, json: award)
                #expect(response.status == .ok)
            }
        }
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.deliveries.count == before, "nothing delivered after the subscription was deleted")
    }

    @Test func anEventThatFailedEveryAttemptIsMarkedAndCanBeDeliveredAgain() async throws {
        let h = try await HTTPHarness.make(.sqlite)
        defer { h.cleanUp() }
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        receiver.answer(503)
        let (id, _) = try await Self.subscribe(h, receiver.url, types: #"["member.points.awarded"]"#)
        Self.startDeliverer(h, policy: DeliveryPolicy(attemptsMax: 2, retryBaseMilliseconds: 20))
        let alice = h.members[0].id
        try await h.test { client in
            _ = try await client.patch(
                h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(alice)","amount":7}]}"#)
        }
        let failedSeq = try await h.store.lastEventSeq(in: h.realm.id)
        let webhookID = try #require(WebhookID(id))
        var marked = false
        for _ in 0..<200 where !marked {
            marked = try await h.store.webhook(webhookID, in: h.realm.id)?.lastFailedSeq == failedSeq
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(marked, "marked failed after its two attempts")
        #expect(receiver.deliveries.count == 2)
        receiver.answer(200)
        // A member joining is not a type it receives; the next award is delivered.
        try await h.test { client in
            _ = try await client.send(
                .post, "/api/v1/realms/\(h.realm.id)/members", key: h.key, json: #"{"username":"zed"}"#)
            _ = try await client.patch(
                h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(alice)","amount":8}]}"#)
        }
        #expect(await receiver.wait(timeout: .seconds(10)) { $0.filter { $0.status == 200 }.count == 1 })
        try await h.testAllowingPrivateWebhooks { client in
            let response = try await client.send(
                .post, "/api/v1/realms/\(h.realm.id)/webhooks/\(id)/redeliver?from=\(failedSeq)", key: h.key)
            #expect(response.status == .ok)
        }
        #expect(await receiver.wait(timeout: .seconds(10)) { $0.filter { $0.status == 200 }.count == 3 })
        let seqs = try receiver.accepted.map { try #require(try Self.json($0)["seq"] as? Int) }
        #expect(
            seqs == [Int(failedSeq) + 2, Int(failedSeq), Int(failedSeq) + 2], "the failed event, then the rest again")
    }
}
