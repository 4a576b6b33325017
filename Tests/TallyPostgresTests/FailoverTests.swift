import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// Failover under load, as an operator would run it: a primary with a synchronous hot standby
/// (`pg_basebackup`, `synchronous_standby_names = '*'`), two Tally servers given both addresses
/// in one URL, clients sending batches with Idempotency-Keys and retrying each one until it is
/// answered 200. The primary is stopped hard (`pg_ctl stop -m immediate`) and the standby
/// promoted. Both servers must write again within 10 s; no response may be a 500; every
/// acknowledged batch must be on the new primary exactly once; `tally verify` must pass there.
@Suite(.serialized, .serviceScope) struct FailoverTests {
    struct Tally: Sendable {
        var acknowledged = [String: (member: Int, amount: Int)]()
        /// When each acknowledged batch was sent and answered, and by which server.
        var acknowledgedWhen = [String: (sent: Date, answered: Date, server: Int)]()
        var statuses = [Int: Int]()
        var transportErrors = 0
        /// Requests the server never answered (within 20 s).
        var unanswered = 0
        var crashedAt: Date?
        /// Per server: when it first answered 200 to a request sent after the promotion.
        var writingAgain = [Int: Date]()
    }

    final class Shared: Sendable {
        let record = Mutex(Tally())
        let stop = Atomic<Bool>(false)
        let promotedAt = Mutex<Date?>(nil)
    }

    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func twoServersCarryOnAfterThePrimaryFailsOver() async throws {
        guard let primary = try PostgresServer.dedicated() else { return }
        defer { primary.stop() }
        let name = try await primary.makeDatabaseNamed()
        let seeded = try await SeededRealm(on: primary, database: name, named: "Failover", members: 8)
        let (realm, members) = (seeded.realm, seeded.members)
        guard let standby = try PostgresServer.startStandby(of: primary) else { return }
        defer { standby.stop() }
        try await primary.requireSynchronousStandby()

        let both =
            "postgres://\(PostgresServer.user):\(PostgresServer.password)@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/\(name)?sslmode=disable&target_session_attrs=read-write"
        let servers = [
            try ServerProcess(arguments: ["--database", both]), try ServerProcess(arguments: ["--database", both]),
        ]
        defer { for server in servers { server.stop() } }
        let headers: HTTPFields = [.authorization: "Bearer \(seeded.key)", .contentType: "application/json"]
        let path = "/api/v1/realms/\(realm)/members/transaction"
        let shared = Shared()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    let server = worker % 2
                    var round = 0
                    while !shared.stop.load(ordering: .relaxed) {
                        let idempotencyKey = "w\(worker)-\(round)"
                        let member = (worker + round) % members.count
                        let amount = 1 + round % 3
                        let body = #"{"updates":[{"dripId":"\#(members[member])","amount":\#(amount)}]}"#
                        // The same request, with its key, until it is answered 200.
                        var answered = false
                        let deadline = Date().addingTimeInterval(60)
                        while !answered && Date() < deadline {
                            let sent = Date()
                            var withKey = headers
                            withKey[HTTPField.Name("Idempotency-Key")!] = idempotencyKey
                            let fields = withKey
                            let port = servers[server].port
                            do {
                                guard
                                    let status = try await Self.answer(
                                        within: .seconds(20),
                                        {
                                            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                                                try await client.execute(
                                                    .init(
                                                        path, method: .patch, headers: fields,
                                                        body: ByteBuffer(string: body))
                                                ).status.code
                                            }
                                        })
                                else {
                                    shared.record.withLock { $0.unanswered += 1 }
                                    continue
                                }
                                let promoted = shared.promotedAt.withLock { $0 }
                                shared.record.withLock { tally in
                                    tally.statuses[status, default: 0] += 1
                                    if status == 200 {
                                        tally.acknowledged[idempotencyKey] = (member, amount)
                                        tally.acknowledgedWhen[idempotencyKey] = (sent, Date(), server)
                                        if let promoted, sent > promoted, tally.writingAgain[server] == nil {
                                            tally.writingAgain[server] = Date()
                                        }
                                    }
                                }
                                answered = status == 200
                            } catch {
                                shared.record.withLock { $0.transportErrors += 1 }
                            }
                            if !answered { try await Task.sleep(for: .milliseconds(50)) }
                        }
                        #expect(answered, "\(idempotencyKey) was never answered 200")
                        round += 1
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(1_500))
            let crashed = Date()
            shared.record.withLock { $0.crashedAt = crashed }
            try primary.crash()
            print("failover: primary crashed")
            try await standby.promote()
            shared.promotedAt.withLock { $0 = Date() }
            print("failover: standby promoted after \(Date().timeIntervalSince(crashed)) s")
            // Both servers write again, then a little more load, then stop.
            let deadline = Date().addingTimeInterval(30)
            while shared.record.withLock({ $0.writingAgain.count }) < 2 && Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(1_000))
            shared.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
            let again = shared.record.withLock { $0.writingAgain }
            for server in 0..<2 {
                let seconds = again[server].map { $0.timeIntervalSince(crashed) }
                print(
                    "failover: server \(server) wrote again \(seconds.map { String(format: "%.2f", $0) } ?? "never") s after the crash"
                )
                #expect(
                    seconds != nil && seconds! <= 10, "server \(server) wrote again \(seconds ?? -1) s after the crash")
            }
        }

        let final = shared.record.withLock { $0 }
        #expect(final.unanswered == 0, "every request was answered, none left waiting")
        #expect(final.statuses[500] == nil, "no 500: \(final.statuses)")
        #expect(Set(final.statuses.keys).isSubset(of: [200, 503]), "only 200 and 503: \(final.statuses)")
        // Every acknowledged batch is on the new primary, once.
        var expected = [Int](repeating: 0, count: members.count)
        for (_, batch) in final.acknowledged { expected[batch.member] += batch.amount }
        let newPrimary = ServiceScope.startForTest(
            try PostgresLedgerStore(
                url: standby.url(name), poolSize: 2, logger: PostgresServer.storeLogger,
                connectionWait: PostgresServer.connectionWait))
        let points = try #require(try await newPrimary.currencies(in: realm).first)
        for (index, member) in members.enumerated() {
            let balance = try await newPrimary.balance(
                BalanceKey(currencyID: points.id, memberID: member), in: realm)
            #expect(balance == Int64(expected[index]), "member \(index)")
        }
        let entries = try await standby.scalar(name, "SELECT count(*) FROM journal")
        #expect(entries == final.acknowledged.count, "one journal entry per acknowledged batch")
        if entries != final.acknowledged.count {
            // Name what is missing: each batch's Idempotency-Key is stored with it.
            let crashedAt = final.crashedAt ?? Date()
            for (key, when) in final.acknowledgedWhen.sorted(by: { $0.value.sent < $1.value.sent }) {
                let stored = try await standby.scalar(
                    name, "SELECT count(*) FROM idempotency_keys WHERE key = '\(key)'")
                if stored != 1 {
                    Issue.record(
                        "\(key) acknowledged by server \(when.server) (sent \(when.sent.timeIntervalSince(crashedAt)) s, answered \(when.answered.timeIntervalSince(crashedAt)) s from the crash) is stored \(stored) times"
                    )
                }
            }
        }
        let verify = try TallyProcess.run(["verify", "--database", standby.url(name)])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let again = final.writingAgain
        print(
            "failover: \(final.acknowledged.count) batches acknowledged, statuses \(final.statuses.sorted { $0.key < $1.key }), "
                + "\(final.transportErrors) transport errors; servers writing again \(again.keys.sorted().map { "\($0)" })"
        )
        await standby.dropDatabase(standby.url(name))
    }

    /// A batch is answered 200 only once PostgreSQL confirmed its commit. Here every commit
    /// waits for a synchronous standby that does not exist, after the statement has run and its
    /// result is queued for the client; the primary is then stopped hard, and a dying backend
    /// sends what it had queued. That result is not a commit: the batch must be answered 503
    /// (a retry with its Idempotency-Key then settles it), never 200.
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func aBatchIsAnsweredOnlyOnceItsCommitIsConfirmed() async throws {
        guard let primary = try PostgresServer.dedicated() else { return }
        defer { primary.stop() }
        let name = try await primary.makeDatabaseNamed()
        let seeded = try await SeededRealm(on: primary, database: name, named: "Confirmed", members: 1)
        let (realm, member) = (seeded.realm, seeded.members[0])
        let server = try ServerProcess(arguments: ["--database", primary.url(name)])
        defer { server.stop() }
        let headers: HTTPFields = [.authorization: "Bearer \(seeded.key)", .contentType: "application/json"]
        let path = "/api/v1/realms/\(realm)/members/transaction"
        let body = #"{"updates":[{"dripId":"\#(member)","amount":1}]}"#
        let port = server.port
        let send: @Sendable () async throws -> Int = {
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await client.execute(.init(path, method: .patch, headers: headers, body: ByteBuffer(string: body)))
                    .status.code
            }
        }
        // The server learns the member and the balance: the next batch is one statement.
        #expect(try await send() == 200)
        try await primary.requireSynchronousStandby(named: "nobody")
        let waiting = Task { try await Self.answer(within: .seconds(30), send) }
        try await Task.sleep(for: .milliseconds(1_500))
        try primary.crash()
        let status = try await waiting.value
        #expect(
            status == 503,
            "a batch whose commit was never confirmed is answered 503, not \(status.map { "\($0)" } ?? "nothing")")
    }

    /// What `operation` returns, or nil when it has not within `limit`. The test client cannot be
    /// cancelled while it waits for an answer, so a request the server never answers would hold
    /// the test forever; it is left waiting, and counted.
    static func answer<T: Sendable>(within limit: Duration, _ operation: @escaping @Sendable () async throws -> T)
        async throws -> T?
    {
        let waiting = Mutex<CheckedContinuation<T?, any Error>?>(nil)
        let finish: @Sendable (Result<T?, any Error>) -> Void = { result in
            waiting.withLock { continuation in
                continuation?.resume(with: result)
                continuation = nil
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.withLock { $0 = continuation }
            Task {
                do { finish(.success(try await operation())) } catch { finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                finish(.success(nil))
            }
        }
    }
}
