import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// Two `tally serve` processes on one PostgreSQL database, both delivering webhooks: under a load
/// on both, a reader paging the feed through both sees every event once, in order, with no gap;
/// and the subscription receives every event, in order (one server holds it at a time), with any
/// duplicate counted and reported.
@Suite(.serialized, .enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
struct WebhookMultiServerTests {
    @Test func twoServersDeliverEveryEventInOrderWhileTheFeedStaysGapless() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        try await ServiceScope.with { scope in try await Self.deliver(on: url, scope) }
        await server.dropDatabase(url)
    }

    static func deliver(on url: String, _ scope: ServiceScope) async throws {
        let migrated = try TallyProcess.run(["migrate", "--database", url])
        #expect(migrated.status == 0, "tally migrate: \(migrated.stderr)")
        let setup = scope.start(
            try PostgresLedgerStore(
                url: url, poolSize: 2, logger: PostgresServer.storeLogger,
                connectionWait: PostgresServer.connectionWait))
        let realm = try await setup.createRealm(name: "Hooks")
        _ = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [MemberID]()
        for index in 0..<6 {
            members.append(try await setup.createMember(Credentials(username: "m\(index)"), in: realm.id).id)
        }
        let ids = members
        let key = try await setup.issueKey(realm: realm.id, name: "load", ids: IDGenerator())
        let receiver = WebhookReceiver()
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let webhook = try await setup.createWebhook(
            WebhookDraft(
                id: IDGenerator().make(), realmID: realm.id, url: receiver.url, types: nil, enabled: true,
                secret: WebhookSecret()), limit: 5, now: Int64(Date().timeIntervalSince1970 * 1_000))

        let servers = try (0..<2).map { _ in
            try ServerProcess(
                arguments: [
                    "--database", url, "--pool-size", "6", "--webhooks-allow-private", "--webhook-retry-ms", "20",
                ])
        }
        defer { for process in servers { process.stop() } }
        let ports = servers.map(\.port)
        let headers: HTTPFields = [.authorization: "Bearer \(key.secret.text)", .contentType: "application/json"]
        let batchPath = "/api/v1/realms/\(realm.id)/members/transaction"
        let feedPath = "/api/v1/realms/\(realm.id)/events"
        let writing = WebhookFlag()  // set once the load is over

        async let read: [Int] = { () async throws -> [Int] in
            // Pages of a few events through either server, as fast as they come; each page must
            // continue the last.
            var seen = [Int]()
            var after = 0
            while true {
                let loadOver = writing.isSet
                let port = ports[seen.count % 2]
                let cursor = after
                let page = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let response = try await client.execute(
                        .init("\(feedPath)?after=\(cursor)&limit=7", method: .get, headers: headers))
                    let body = try JSONSerialization.jsonObject(
                        with: Data(response.body?.readableBytesView ?? ByteBuffer().readableBytesView))
                    return ((body as? [String: Any])?["data"] as? [[String: Any]] ?? []).compactMap {
                        $0["seq"] as? Int
                    }
                }
                seen += page
                after = page.last ?? after
                if page.isEmpty && loadOver { return seen }
            }
        }()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, port) in ports.enumerated() {
                for client in 0..<3 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port) { http in
                            for round in 0..<30 {
                                let a = ids[(index * 3 + client + round) % ids.count]
                                let b = ids[(index * 3 + client + round + 1) % ids.count]
                                let amount = round % 6 == 5 ? -1_000_000 : 1 + round % 4
                                let json =
                                    #"{"updates":[{"dripId":"\#(a)","amount":\#(amount)},{"dripId":"\#(b)","amount":1}]}"#
                                _ = try await http.execute(
                                    .init(batchPath, method: .patch, headers: headers, body: ByteBuffer(string: json)))
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        writing.set()
        let seen = try await read
        let last = Int(try await setup.lastEventSeq(in: realm.id))
        #expect(seen == Array(1...last), "the feed through both servers: every event once, in order, no gap")

        let feed = try await setup.events(in: realm.id, after: webhook.deliveredThrough, limit: 10_000, types: nil)
        let expected = feed.map(\.id.rawValue)
        let arrived = await receiver.wait(timeout: .seconds(60)) { deliveries in
            Set(deliveries.filter { $0.status == 200 }.compactMap { Self.id(of: $0) }).isSuperset(of: expected)
        }
        #expect(arrived, "every event delivered")
        var firstSeen = [String]()
        var unique = Set<String>()
        for delivery in receiver.accepted {
            guard let id = Self.id(of: delivery) else { continue }
            if unique.insert(id).inserted { firstSeen.append(id) }
        }
        #expect(firstSeen == expected, "each first delivered in seq order, none not in the feed")
        let duplicates = receiver.accepted.count - unique.count
        print(
            "webhooks with two servers: \(expected.count) events, \(receiver.accepted.count) deliveries, "
                + "\(duplicates) duplicates")
    }

    static func id(of delivery: WebhookReceiver.Delivery) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any])?["id"] as? String
    }
}

/// Set once the load is over.
final class WebhookFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
