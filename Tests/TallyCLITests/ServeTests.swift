import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallySQLite
import Testing

/// `tally serve` as a user meets it: the demo's printed curl line, and a server killed with
/// SIGKILL under load that loses no acknowledged batch.
@Suite(.serialized) struct ServeTests {
    @Test func theDemoPrintsACurlLineThatWorksAsPrinted() async throws {
        let dir = try TemporaryDirectory()
        let server = try ServerProcess(arguments: ["--demo"], directory: dir.url)
        defer { server.stop() }
        let demo = try #require(
            server.stdout.text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.first { $0["demo"] as? Bool == true })
        let curl = try #require(demo["curl"] as? String)
        #expect(server.stderr.text.contains(curl), "the same curl line is printed for people on stderr")

        for expected in [(100, 50), (200, 100)] {
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", curl]
            let out = Pipe()
            shell.standardOutput = out
            let collector = OutputCollector(out)
            try shell.run()
            shell.waitUntilExit()
            #expect(shell.terminationStatus == 0, "curl must be installed and succeed")
            let body = try #require(
                try JSONSerialization.jsonObject(with: Data(collector.finish().utf8)) as? [String: Any])
            #expect(body["success"] as? Bool == true)
            let updates = try #require(body["updates"] as? [[String: Any]])
            #expect(updates.map { $0["newBalance"] as? Int } == [expected.0, expected.1])
        }

        // Restarting with --demo reuses the realm and prints a fresh key.
        server.stop()
        let again = try ServerProcess(arguments: ["--demo"], directory: dir.url)
        defer { again.stop() }
        #expect(again.stdout.text.contains((demo["realm"] as? [String: Any])?["id"] as? String ?? "missing"))
    }

    /// Clients send batches that add the same amount to two members; the server is killed with
    /// SIGKILL mid-load and restarted, several times. Every acknowledged batch must be there,
    /// no batch may be half there (the two balances stay equal), and verify must pass.
    @Test func aKilledServerLosesNoAcknowledgedBatch() async throws {
        let dir = try TemporaryDirectory()
        let db = dir.database
        let setup = try SQLiteLedgerStore(path: db)
        let realm = try await setup.createRealm(name: "Crash")
        _ = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let a = try await setup.createMember(Credentials(username: "a"), in: realm.id)
        let b = try await setup.createMember(Credentials(username: "b"), in: realm.id)
        let key = try await setup.issueKey(realm: realm.id, name: "load", ids: IDGenerator())
        let path = "/api/v1/realms/\(realm.id)/members/transaction"

        var acknowledged: Int64 = 0
        var inFlightMax: Int64 = 0
        for cycle in 0..<6 {
            let startCount = try await setup.journal(of: a.id, in: realm.id, limit: 1_000_000).count
            let server = try ServerProcess(arguments: ["--database", db], directory: dir.url)
            let port = server.port
            let stopAfter = 60 + cycle * 37
            let results = try await withThrowingTaskGroup(of: (Int64, Int64).self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                            var acked: Int64 = 0
                            var lost: Int64 = 0
                            for round in 0..<10_000 {
                                let amount = Int64(1 + (worker + round) % 9)
                                let json =
                                    #"{"updates":[{"dripId":"\#(a.id)","amount":\#(amount)},{"dripId":"\#(b.id)","amount":\#(amount)}]}"#
                                do {
                                    let response = try await client.execute(
                                        .init(
                                            path, method: .patch,
                                            headers: [
                                                .authorization: "Bearer \(key.secret.text)",
                                                .contentType: "application/json",
                                            ],
                                            body: ByteBuffer(string: json)))
                                    guard response.status == .ok else {
                                        throw ServerFailure(description: "status \(response.status)")
                                    }
                                    acked += amount
                                } catch {
                                    lost = amount  // the request in flight when the server died
                                    break
                                }
                            }
                            return (acked, lost)
                        }
                    }
                }
                // Kill once the workers have had time to get some batches acknowledged.
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline {
                    let total = try await setup.journal(of: a.id, in: realm.id, limit: 1_000_000).count
                    if total >= startCount + stopAfter { break }
                    try await Task.sleep(for: .milliseconds(5))
                }
                server.stop(signal: SIGKILL)
                var sums: (Int64, Int64) = (0, 0)
                for try await (acked, lost) in group { sums = (sums.0 + acked, sums.1 + lost) }
                return sums
            }
            acknowledged += results.0
            inFlightMax += results.1

            let store = try SQLiteLedgerStore(path: db)
            let balanceA = try await store.balance(
                BalanceKey(currencyID: try await store.currencies(in: realm.id)[0].id, memberID: a.id), in: realm.id)
            let balanceB = try await store.balance(
                BalanceKey(currencyID: try await store.currencies(in: realm.id)[0].id, memberID: b.id), in: realm.id)
            #expect(balanceA == balanceB, "cycle \(cycle): no batch is half applied")
            #expect(balanceA >= acknowledged, "cycle \(cycle): every acknowledged batch survived")
            #expect(balanceA <= acknowledged + inFlightMax, "cycle \(cycle): nothing beyond the batches sent")
            #expect(results.0 > 0, "cycle \(cycle): the load got batches acknowledged before the kill")
            print(
                "kill cycle \(cycle): \(results.0) points acknowledged, at most \(results.1) in flight, balance \(balanceA)"
            )
            // Batches that were in flight and committed count from here on.
            acknowledged = balanceA
            inFlightMax = 0
        }
        let verify = try TallyProcess.run(["verify", "--database", db])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}
