import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyPostgres
import TallyTestSupport
import Testing

/// `serve --read-database` against a real streaming replica: a primary and a hot standby made by
/// `pg_basebackup`, both on 127.0.0.1. One server writes through the primary; another, given the
/// standby as its read replica, serves the reads. Every read of a member right after its own
/// write is exact (member reads stay on the primary); leaderboard reads are served by the
/// replica (its own index counters move, and the server counts them); the leaderboard through
/// the replica catches up with the primary's; and with the standby gone, reads go on, answered by
/// the primary, with no error.
@Suite(.serialized, .serviceScope) struct ReplicaTests {
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func readsGoToTheReplicaAndAMembersOwnWriteIsAlwaysExact() async throws {
        guard let primary = try PostgresServer.dedicated() else { return }
        defer { primary.stop() }
        let name = try await primary.makeDatabaseNamed()
        let seeded = try await SeededRealm(on: primary, database: name, named: "Replicated", members: 20)
        let (realm, members) = (seeded.realm, seeded.members)
        let started = Date()
        // The standby applies each transaction 150 ms late: a member read it served right after
        // a write would show the balance before it.
        guard let standby = try PostgresServer.startStandby(of: primary, applyDelayMilliseconds: 150) else { return }
        let standbyReady = Date()
        defer { standby.stop() }
        #expect(standby.isStandby)

        let writer = try ServerProcess(arguments: ["--database", primary.url(name)])
        let reader = try ServerProcess(
            arguments: [
                "--database", primary.url(name), "--read-database", standby.url(name), "--replica-lag-max-ms", "500",
            ])
        defer {
            writer.stop()
            reader.stop()
        }
        #expect(!reader.stdout.text.contains(PostgresServer.password), "the listening line masks the password")
        let headers: HTTPFields = [.authorization: "Bearer \(seeded.key)", .contentType: "application/json"]
        let base = "/api/v1/realms/\(realm)"

        @Sendable func json(_ response: TestClient.Response) -> Any? {
            try? JSONSerialization.jsonObject(
                with: Data((response.body ?? ByteBuffer()).readableBytesView))
        }
        @Sendable func replicaScans() async throws -> Int {
            // The standby's own statistics: index scans of the leaderboard's index happen there
            // only when a read was served there.
            try await standby.scalar(
                name,
                "SELECT coalesce(sum(idx_scan), 0)::bigint FROM pg_stat_user_indexes WHERE indexrelname = 'balances_leaderboard'"
            )
        }

        // Wait until the reader has found the standby usable (it checks every 250 ms).
        let scansBefore = try await replicaScans()
        try await TestClient.withClient(host: "127.0.0.1", port: writer.port) { write in
            try await TestClient.withClient(host: "127.0.0.1", port: reader.port) { read in
                var expected = [MemberID: Int]()
                for round in 0..<300 {
                    let member = members[round % members.count]
                    let amount = 1 + round % 7
                    let patched = try await write.execute(
                        .init(
                            "\(base)/members/transaction", method: .patch, headers: headers,
                            body: ByteBuffer(string: #"{"updates":[{"dripId":"\#(member)","amount":\#(amount)}]}"#)))
                    #expect(patched.status == .ok)
                    expected[member, default: 0] += amount
                    let got = try await read.execute(.init("\(base)/members/\(member)", method: .get, headers: headers))
                    #expect(got.status == .ok)
                    let balance =
                        ((json(got) as? [String: Any])?["balances"] as? [[String: Any]])?.first?["balance"] as? Int
                    #expect(balance == expected[member], "round \(round): the member read right after its write")
                    let board = try await read.execute(
                        .init("\(base)/members/leaderboard", method: .get, headers: headers))
                    #expect(board.status == .ok, "round \(round): leaderboard \(board.status)")
                }
                // Served by the replica: its index counters moved, and the reader counted it.
                #expect(try await replicaScans() > scansBefore, "the standby served leaderboard reads")
                let metrics = try await read.execute(.init("/metrics", method: .get))
                let families = try PrometheusText.parse(String(buffer: metrics.body ?? ByteBuffer()))
                #expect(families.value("tally_postgres_replica_reads_total") > 0)
                // And it catches up: the leaderboard through the replica equals the primary's.
                let fromPrimary = String(
                    buffer: try await write.execute(
                        .init("\(base)/members/leaderboard", method: .get, headers: headers)
                    )
                    .body ?? ByteBuffer())
                var caughtUp = false
                for _ in 0..<50 where !caughtUp {
                    let fromReplica = String(
                        buffer: try await read.execute(
                            .init("\(base)/members/leaderboard", method: .get, headers: headers)
                        )
                        .body ?? ByteBuffer())
                    caughtUp = fromReplica == fromPrimary
                    if !caughtUp { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(caughtUp, "the replica's leaderboard caught up with the primary's")

                let readsDone = Date()
                // The standby goes away: reads go on, from the primary, with no error.
                standby.stop()
                let stopped = Date()
                defer {
                    print(
                        "replica test: standby made in \(Int(standbyReady.timeIntervalSince(started) * 1000)) ms, "
                            + "300 write-then-read rounds in \(Int(readsDone.timeIntervalSince(standbyReady) * 1000)) ms, "
                            + "standby stopped in \(Int(stopped.timeIntervalSince(readsDone) * 1000)) ms, "
                            + "40 reads without it in \(Int(Date().timeIntervalSince(stopped) * 1000)) ms")
                }
                for round in 0..<40 {
                    let board = try await read.execute(
                        .init("\(base)/members/leaderboard", method: .get, headers: headers))
                    #expect(board.status == .ok, "with the standby gone, round \(round): \(board.status)")
                }
            }
        }
        await primary.dropDatabase(primary.url(name))
    }

    /// A standby that applies everything 3 s late is past a 300 ms bound while writes go on: the
    /// reader never sends it a read, so its leaderboard is the primary's, right after each write.
    ///
    /// A standby that has caught up (no commit for longer than its delay, as when this machine
    /// stalls the test for seconds) is rightly usable until the watcher sees it fall behind again:
    /// the bound is on how old a replica's data may be, checked every 250 ms and vouched for
    /// 500 ms. So the rounds within 1 s of a pause of 2.5 s or more between writes (and of the
    /// first write) are left out of the comparison, counted, and bound the replica reads allowed.
    @Test(.enabled(if: PostgresServer.available, "PostgreSQL is not installed"))
    func aReplicaPastTheLagBoundIsSkipped() async throws {
        guard let primary = try PostgresServer.dedicated() else { return }
        defer { primary.stop() }
        let name = try await primary.makeDatabaseNamed()
        let seeded = try await SeededRealm(on: primary, database: name, named: "Lagging", members: 1)
        let (realm, member) = (seeded.realm, seeded.members[0])
        guard let standby = try PostgresServer.startStandby(of: primary, applyDelayMilliseconds: 3_000) else { return }
        defer { standby.stop() }
        let writer = try ServerProcess(arguments: ["--database", primary.url(name)])
        let reader = try ServerProcess(
            arguments: [
                "--database", primary.url(name), "--read-database", standby.url(name), "--replica-lag-max-ms", "300",
            ])
        defer {
            writer.stop()
            reader.stop()
        }
        let headers: HTTPFields = [.authorization: "Bearer \(seeded.key)", .contentType: "application/json"]
        let base = "/api/v1/realms/\(realm)"
        try await TestClient.withClient(host: "127.0.0.1", port: writer.port) { write in
            try await TestClient.withClient(host: "127.0.0.1", port: reader.port) { read in
                var lastWriteAnswered: ContinuousClock.Instant?
                var writesResumed = ContinuousClock.now
                var compared = 0
                var leftOut = 0
                for round in 0..<60 {
                    let writing = ContinuousClock.now
                    if lastWriteAnswered.map({ writing - $0 >= .milliseconds(2_500) }) ?? true {
                        writesResumed = writing
                    }
                    let patched = try await write.execute(
                        .init(
                            "\(base)/members/transaction", method: .patch, headers: headers,
                            body: ByteBuffer(string: #"{"updates":[{"dripId":"\#(member)","amount":1}]}"#)))
                    lastWriteAnswered = ContinuousClock.now
                    #expect(patched.status == .ok)
                    let fromReader = try await read.execute(
                        .init("\(base)/members/leaderboard", method: .get, headers: headers))
                    let fromWriter = try await write.execute(
                        .init("\(base)/members/leaderboard", method: .get, headers: headers))
                    if ContinuousClock.now - writesResumed < .seconds(1) {
                        leftOut += 1
                    } else {
                        compared += 1
                        #expect(
                            String(buffer: fromReader.body ?? ByteBuffer())
                                == String(buffer: fromWriter.body ?? ByteBuffer()),
                            "round \(round): the reader's leaderboard is the primary's")
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                print("lagging replica: \(compared) rounds compared, \(leftOut) left out after a pause in the writes")
                #expect(compared >= 30, "enough rounds while writes went on: \(compared)")
                let metrics = try await read.execute(.init("/metrics", method: .get))
                let families = try PrometheusText.parse(String(buffer: metrics.body ?? ByteBuffer()))
                let replicaReads = families.value("tally_postgres_replica_reads_total")
                #expect(
                    replicaReads <= Double(leftOut),
                    "no read went to the lagging replica while writes went on: \(replicaReads) replica reads, \(leftOut) rounds left out"
                )
            }
        }
        await primary.dropDatabase(primary.url(name))
    }
}
