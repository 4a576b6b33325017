import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallySQLite
import TallyTestSupport
import Testing

/// A server delivering to a subscription under batch load is killed with SIGKILL, several times,
/// and started again: every committed write's event still reaches the receiver, at least once
/// and in order, and none arrives for a write that did not commit (checked against the journal).
@Suite(.serialized, .serviceScope) struct WebhookCrashTests {
    @Test func aKilledServerDeliversEveryCommittedEventInOrderAndInventsNone() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.database
        let setup = ServiceScope.startForTest(try SQLiteLedgerStore(path: db))
        let realm = try await setup.createRealm(name: "Crash")
        _ = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [Member]()
        for name in ["a", "b", "c"] {
            members.append(try await setup.createMember(Credentials(username: name), in: realm.id))
        }
        let key = try await setup.issueKey(realm: realm.id, name: "load", ids: IDGenerator())
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let webhook = try await setup.createWebhook(
            WebhookDraft(
                id: IDGenerator().make(), realmID: realm.id, url: receiver.url, types: nil, enabled: true,
                secret: WebhookSecret()), limit: 5, now: Int64(Date().timeIntervalSince1970 * 1_000))
        let path = "/api/v1/realms/\(realm.id)/members/transaction"
        let headers: HTTPFields = [.authorization: "Bearer \(key.secret.text)", .contentType: "application/json"]
        let arguments = ["--database", db, "--webhooks-allow-private", "--webhook-retry-ms", "20"]
        let ids = members.map(\.id)

        for cycle in 0..<4 {
            let server = try ServerProcess(arguments: arguments, directory: dir.url)
            let port = server.port
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<3 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                            for round in 0..<100_000 {
                                // Every fifth batch overdraws and is refused: it must record nothing.
                                let amount = round % 5 == 4 ? -1_000_000 : 1 + (worker + round) % 7
                                let json =
                                    #"{"updates":[{"dripId":"\#(ids[worker])","amount":\#(amount)},{"dripId":"\#(ids[(worker + 1) % 3])","amount":1}]}"#
                                do {
                                    _ = try await client.execute(
                                        .init(path, method: .patch, headers: headers, body: ByteBuffer(string: json)))
                                } catch {
                                    return  // the server died
                                }
                            }
                        }
                    }
                }
                // Kill at varying depths of the load: after 15, 25, 35, 45 more events.
                let target = try await setup.lastEventSeq(in: realm.id) + Int64(15 + 10 * cycle)
                let deadline = ContinuousClock.now + .seconds(30)
                while try await setup.lastEventSeq(in: realm.id) < target, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                server.stop(signal: SIGKILL)
                try await group.waitForAll()
            }
        }
        let server = try ServerProcess(arguments: arguments, directory: dir.url)
        defer { server.stop() }

        // What committed: the feed after the subscription's place, written with the journal.
        let feed = try await setup.events(
            in: realm.id, after: webhook.deliveredThrough, limit: 100_000, types: nil)
        #expect(feed.count > 20, "a load ran: \(feed.count) events")
        let feedIDs = feed.map(\.id.rawValue)
        let arrived = await receiver.wait(timeout: .seconds(60)) { deliveries in
            Set(deliveries.filter { $0.status == 200 }.compactMap { Self.field($0, "id") as? String })
                .isSuperset(of: feedIDs)
        }
        #expect(arrived, "every committed event arrived")

        // In order, at least once; duplicates (an attempt under way when the server died) counted.
        var firstSeen = [String]()
        var seen = Set<String>()
        for delivery in receiver.accepted {
            let id = try #require(Self.field(delivery, "id") as? String)
            if seen.insert(id).inserted { firstSeen.append(id) }
            #expect(
                delivery.headers["x-drip-signature"]
                    == WebhookSignature.drip(body: delivery.body, secret: webhook.secret))
        }
        #expect(firstSeen == feedIDs, "each event first arrived in seq order, and none is not in the feed")
        let duplicates = receiver.accepted.count - seen.count
        print(
            "webhook crash test: \(feed.count) events, \(receiver.accepted.count) deliveries, \(duplicates) duplicates")

        // The feed against the journal: one points event per committed batch, carrying its entries.
        var journal = [String: JournalEntry]()
        for member in ids {
            for entry in try await setup.journal(of: member, in: realm.id, before: nil, limit: 100_000).entries {
                journal[entry.id.rawValue] = entry
            }
        }
        var batchesInEvents = Set<String>()
        for delivery in receiver.accepted {
            let data = try #require(Self.field(delivery, "data") as? [String: Any])
            batchesInEvents.insert(try #require(data["batchId"] as? String))
            for change in try #require(data["changes"] as? [[String: Any]]) {
                let entry = try #require(journal[change["entryId"] as? String ?? ""], "an event for no entry")
                #expect(Int64(change["amount"] as? Int ?? 0) == entry.amount)
                #expect(Int64(change["balanceAfter"] as? Int ?? -1) == entry.balanceAfter)
            }
        }
        #expect(Set(journal.values.map(\.batchID.rawValue)) == batchesInEvents, "every committed batch has its event")
        #expect(journal.values.allSatisfy { $0.amount > -1_000_000 }, "refused batches wrote nothing")
    }

    static func field(_ delivery: WebhookReceiver.Delivery, _ name: String) -> Any? {
        (try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])?[name]
    }
}
