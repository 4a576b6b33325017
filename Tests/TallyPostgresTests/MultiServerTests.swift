import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// Several `tally serve` processes on one PostgreSQL database, as SCALING.md describes: overlapping
/// batches through both servers lose nothing, invent nothing, and never fail with a 5xx.
@Suite(.serialized, .enabled(if: PostgresServer.available, "PostgreSQL is not installed")) struct MultiServerTests {
    static let members = 12
    static let serversCount = 2
    static let clientsPerServer = 4
    static let batchesPerClient = 40

    @Test func twoServersOnOneDatabaseKeepTheBooksUnderOverlappingLoad() async throws {
        guard let server = try await PostgresServer.shared() else { return }
        let url = try await server.makeDatabase()
        try await ServiceScope.with { scope in try await Self.keepTheBooks(on: url, scope) }
        await server.dropDatabase(url)
    }

    /// The test itself, with the store that sets up and checks the database in `scope`.
    static func keepTheBooks(on url: String, _ scope: ServiceScope) async throws {
        // Given a migrated database with a realm, a default currency, members and a key.
        let migrated = try TallyProcess.run(["migrate", "--database", url])
        #expect(migrated.status == 0, "tally migrate: \(migrated.stderr)")
        let setup = scope.start(
            try PostgresLedgerStore(
                url: url, poolSize: 2, logger: PostgresServer.storeLogger,
                connectionWait: PostgresServer.connectionWait))
        let realm = try await setup.createRealm(name: "Scale")
        let points = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var created = [Member]()
        for index in 0..<Self.members {
            created.append(try await setup.createMember(Credentials(username: "m\(index)"), in: realm.id))
        }
        let members = created
        let key = try await setup.issueKey(realm: realm.id, name: "load", ids: IDGenerator())

        // When two servers on that database take concurrent batches that touch the same members
        // in different orders (some overdraw a member that never receives points, so rejections
        // mix into the load, and some are retried with the same Idempotency-Key on the other server).
        let servers = try (0..<Self.serversCount).map { _ in
            try ServerProcess(arguments: ["--database", url, "--pool-size", "8"])
        }
        defer { for process in servers { process.stop() } }
        let ports = servers.map(\.port)
        let started = ContinuousClock.now
        let tally = try await withThrowingTaskGroup(of: LoadTally.self) { group in
            for (serverIndex, port) in ports.enumerated() {
                for client in 0..<Self.clientsPerServer {
                    let otherPort = ports[(serverIndex + 1) % ports.count]
                    let task = serverIndex * Self.clientsPerServer + client
                    group.addTask {
                        try await Self.load(
                            task: task, port: port, otherPort: otherPort, realm: realm.id, members: members,
                            secret: key.secret.text)
                    }
                }
            }
            var total = LoadTally()
            for try await part in group { total.merge(part) }
            return total
        }
        let elapsed = ContinuousClock.now - started

        // Then every balance is the sum of the acknowledged changes, the journal agrees, and no
        // request failed with a 5xx.
        for (index, member) in members.enumerated() {
            let balance = try await setup.balance(BalanceKey(currencyID: points.id, memberID: member.id), in: realm.id)
            #expect(balance == tally.sums[index] ?? 0, "member \(index)")
        }
        #expect(tally.serverErrors == 0, "5xx responses: \(tally.serverErrors), e.g. \(tally.firstServerError ?? "")")
        #expect(tally.transportErrors == 0)
        #expect(tally.acknowledged > 0 && tally.rejected > 0, "both outcomes occurred")
        #expect(tally.replays > 0 && tally.replaysMatched == tally.replays, "replays on the other server match")
        let verified = try TallyProcess.run(["verify", "--database", url])
        #expect(verified.status == 0, "tally verify: \(verified.stdout) \(verified.stderr)")
        for process in servers {
            process.stop()
            let log = process.stderr.finish()
            #expect(!log.contains("storage failure"), "a server logged a storage failure: \(log)")
        }
        print(
            """
            MultiServerTests: \(Self.serversCount) servers, \(ports.count * Self.clientsPerServer) clients, \
            \(tally.acknowledged) batches acknowledged, \(tally.rejected) rejected (4xx), \(tally.replays) \
            cross-server idempotent replays, \(tally.serverErrors) 5xx, in \(elapsed)
            """)
    }

    /// What one client saw.
    struct LoadTally: Sendable {
        var sums = [Int: Int64]()
        var acknowledged = 0
        var rejected = 0
        var replays = 0
        var replaysMatched = 0
        var serverErrors = 0
        var transportErrors = 0
        var firstServerError: String?

        mutating func merge(_ other: LoadTally) {
            sums.merge(other.sums, uniquingKeysWith: +)
            acknowledged += other.acknowledged
            rejected += other.rejected
            replays += other.replays
            replaysMatched += other.replaysMatched
            serverErrors += other.serverErrors
            transportErrors += other.transportErrors
            firstServerError = firstServerError ?? other.firstServerError
        }
    }

    static func load(
        task: Int, port: Int, otherPort: Int, realm: RealmID, members: [Member], secret: String
    ) async throws -> LoadTally {
        let idempotencyKey = HTTPField.Name("Idempotency-Key")!
        return try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await TestClient.withClient(host: "127.0.0.1", port: otherPort) { other in
                var tally = LoadTally()
                for round in 0..<batchesPerClient {
                    // Members 0..<members-1 in an order that differs by task and round; the last
                    // member never receives points, so overdrawing it must be rejected whole.
                    var changes = [(Int, Int64)]()
                    let stride = [1, 5, 7, 3][(task + round) % 4]
                    for step in 0..<6 {
                        changes.append(
                            (
                                (task * 3 + round + step * stride) % (members.count - 1),
                                Int64(1 + (task * 31 + round * 7 + step) % 13)
                            ))
                    }
                    if round % 5 == 4 { changes.append((members.count - 1, -1)) }
                    let updates = changes.map { #"{"dripId":"\#(members[$0.0].id)","amount":\#($0.1)}"# }
                    let body = #"{"updates":[\#(updates.joined(separator: ","))],"initiatorId":"load-\#(task)"}"#
                    var headers: HTTPFields = [.authorization: "Bearer \(secret)", .contentType: "application/json"]
                    let retried = round % 4 == 1
                    if retried { headers[idempotencyKey] = "load-\(task)-\(round)" }
                    let request = TestClient.Request(
                        "/api/v1/realms/\(realm)/members/transaction", method: .patch, headers: headers,
                        body: ByteBuffer(string: body))
                    let response: TestClient.Response
                    do {
                        response = try await client.execute(request)
                    } catch {
                        tally.transportErrors += 1
                        continue
                    }
                    switch response.status.code {
                    case 200:
                        tally.acknowledged += 1
                        for (member, amount) in changes { tally.sums[member, default: 0] += amount }
                    case 500...:
                        tally.serverErrors += 1
                        tally.firstServerError = tally.firstServerError ?? String(buffer: response.body ?? ByteBuffer())
                    default:
                        tally.rejected += 1
                    }
                    guard retried, response.status.code == 200 else { continue }
                    // The same request again, through the other server: it must replay, not apply.
                    let again = try await other.execute(request)
                    tally.replays += 1
                    if again.status == response.status && again.body == response.body { tally.replaysMatched += 1 }
                    if again.status.code >= 500 { tally.serverErrors += 1 }
                }
                return tally
            }
        }
    }
}
