import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallySQLite
import TallyTestSupport
import Testing

/// A server under concurrent batch load is killed with SIGKILL at varying moments and restarted,
/// many times. Each batch adds the same amount to two members and carries its own
/// Idempotency-Key; requests that died with the server are retried with their key after the
/// restart. At the end every balance must equal exactly the sum of all batches (each applied
/// once: nothing lost, nothing doubled), no batch may be half applied at any restart, and
/// `tally verify` must pass. `TALLY_CRASH_CYCLES` sets the number of kills (default 50).
///
/// The second test aims every kill inside a transaction of the balance file's follower
/// (`FollowerCrashWindow`: a transaction for every entry, held open 40 ms with a marker file,
/// pages spilled to the file's log before commit, its log checkpointed every 8 pages), and checks
/// that each restart brought the file back up to the journal.
@Suite(.serialized, .serviceScope) struct CrashTests {
    struct Pending: Sendable {
        let key: String
        let amount: Int64
    }

    struct WorkerResult: Sendable {
        var acknowledged: Int64 = 0
        var requests = 0
        var pending: Pending?
    }

    /// When each cycle's kill lands.
    enum KillMoment {
        /// After a varying number of journal entries.
        case anyMoment
        /// While the server's balance file follower holds a transaction open (the marker file
        /// exists), after a varying time under load.
        case insideBalanceFollower(marker: String)
    }

    static let cycles = ProcessInfo.processInfo.environment["TALLY_CRASH_CYCLES"].flatMap(Int.init) ?? 50

    @Test func killedServersLoseAndDoubleNothing() async throws {
        let dir = try TemporaryDirectory()
        try await run(in: dir, killing: .anyMoment)
    }

    @Test func killedInsideTheBalanceFilesTransactionLoseAndDoubleNothing() async throws {
        let dir = try TemporaryDirectory()
        let marker = dir.url.appendingPathComponent("follower-holding").path
        try await run(in: dir, killing: .insideBalanceFollower(marker: marker))
    }

    private func run(in dir: TemporaryDirectory, killing moment: KillMoment) async throws {
        let db = dir.database
        let setup = ServiceScope.startForTest(try SQLiteLedgerStore(path: db))
        let realm = try await setup.createRealm(name: "Crash")
        let points = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let a = try await setup.createMember(Credentials(username: "a"), in: realm.id)
        let b = try await setup.createMember(Credentials(username: "b"), in: realm.id)
        let key = try await setup.issueKey(realm: realm.id, name: "load", ids: IDGenerator())
        let path = "/api/v1/realms/\(realm.id)/members/transaction"
        let headers: HTTPFields = [.authorization: "Bearer \(key.secret.text)", .contentType: "application/json"]
        let idempotencyHeader = HTTPField.Name("Idempotency-Key")!

        @Sendable func send(_ client: TestClient, _ batch: Pending) async throws -> HTTPResponse.Status {
            var fields = headers
            fields[idempotencyHeader] = batch.key
            let json =
                #"{"updates":[{"dripId":"\#(a.id)","amount":\#(batch.amount)},{"dripId":"\#(b.id)","amount":\#(batch.amount)}]}"#
            return try await client.execute(
                .init(path, method: .patch, headers: fields, body: ByteBuffer(string: json))
            ).status
        }

        func balances(_ store: SQLiteLedgerStore) async throws -> (Int64, Int64) {
            (
                try await store.balance(BalanceKey(currencyID: points.id, memberID: a.id), in: realm.id),
                try await store.balance(BalanceKey(currencyID: points.id, memberID: b.id), in: realm.id)
            )
        }

        var acknowledged: Int64 = 0
        var requests = 0
        var retried = 0
        var committedButUnanswered = 0
        var pending = [Pending]()
        var killedInside = 0
        var marker: String?
        var environment = [String: String]()
        if case .insideBalanceFollower(let path) = moment {
            marker = path
            environment["TALLY_TEST_FOLLOWER_HOLD"] = "\(path):40"
        }
        var lastKillWasInside = false
        for cycle in 0...Self.cycles {
            let server = try ServerProcess(
                arguments: ["--database", db, "--log-level", "info"], directory: dir.url, environment: environment)
            let port = server.port
            if lastKillWasInside {
                // The file's transaction died uncommitted, and nothing wrote it since: the new
                // server brought it up to the journal before it listened.
                #expect(
                    server.stderr.text.contains("the balance file covers the journal"),
                    "cycle \(cycle): the restart did not bring the balance file up to the journal")
            }
            // After a restart, nothing may be half applied, and nothing acknowledged may be missing.
            let (balanceA, balanceB) = try await balances(setup)
            #expect(balanceA == balanceB, "cycle \(cycle): a batch was half applied")
            #expect(balanceA >= acknowledged, "cycle \(cycle): an acknowledged batch was lost")
            if balanceA > acknowledged { committedButUnanswered += 1 }
            // Retry what died with the last server, with the same keys.
            let retries = pending
            acknowledged += try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                var total: Int64 = 0
                for batch in retries {
                    let status = try await send(client, batch)
                    #expect(status == .ok, "retry of \(batch.key)")
                    if status == .ok { total += batch.amount }
                }
                return total
            }
            retried += pending.count
            requests += pending.count
            pending = []
            guard cycle < Self.cycles else {
                server.stop()
                break
            }
            let stopAfter = Int64(20 + (cycle * 37) % 90)  // kill at varying depths of the load
            let results = try await withThrowingTaskGroup(of: WorkerResult.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                            var result = WorkerResult()
                            for round in 0..<100_000 {
                                let batch = Pending(
                                    key: "c\(cycle)-w\(worker)-r\(round)", amount: Int64(1 + (worker + round) % 9))
                                result.requests += 1
                                do {
                                    guard try await send(client, batch) == .ok else {
                                        result.pending = batch
                                        break
                                    }
                                    result.acknowledged += batch.amount
                                } catch {
                                    result.pending = batch  // in flight when the server died
                                    break
                                }
                            }
                            return result
                        }
                    }
                }
                let deadline = Date().addingTimeInterval(30)
                if let marker {
                    // No reads here: a read would let this process's store bring the file up.
                    try await Task.sleep(for: .milliseconds(stopAfter))
                    while Date() < deadline && !FileManager.default.fileExists(atPath: marker) {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                } else {
                    let startCount =
                        try await setup.journal(of: a.id, in: realm.id, before: nil, limit: 1).entries.first?.sequence
                        ?? 0
                    while Date() < deadline {
                        let last =
                            try await setup.journal(of: a.id, in: realm.id, before: nil, limit: 1).entries.first?
                            .sequence ?? 0
                        if last - startCount >= stopAfter * 2 { break }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                }
                server.stop(signal: SIGKILL)
                var all = [WorkerResult]()
                for try await result in group { all.append(result) }
                return all
            }
            if let marker {
                // The process removes the marker when it leaves the transaction: still there, the
                // kill landed inside it.
                lastKillWasInside = FileManager.default.fileExists(atPath: marker)
                if lastKillWasInside { killedInside += 1 }
                try? FileManager.default.removeItem(atPath: marker)
            }
            for result in results {
                acknowledged += result.acknowledged
                requests += result.requests
                if let batch = result.pending { pending.append(batch) }
            }
        }
        let (finalA, finalB) = try await balances(setup)
        #expect(finalA == acknowledged, "every batch applied exactly once")
        #expect(finalB == acknowledged, "every batch applied exactly once")
        let verify = try TallyProcess.run(["verify", "--database", db])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        if marker != nil {
            // A kill can land just as the hold ends; nearly all must land inside it.
            #expect(killedInside >= Self.cycles * 9 / 10, "only \(killedInside) of \(Self.cycles) kills landed inside")
        }
        print(
            "crash test (\(marker == nil ? "any moment" : "\(killedInside) kills inside the balance file's transaction")): "
                + "\(Self.cycles) kill/restart cycles, \(requests) batch requests, \(retried) retried after a kill, "
                + "\(committedButUnanswered) restarts found a batch committed but unanswered, "
                + "\(acknowledged) points on each member, balances exact, verify \(verify.status == 0 ? "passed" : "FAILED")"
        )
    }
}
