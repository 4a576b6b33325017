import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallySQLite
import TallyTestSupport
import Testing

/// `tally serve` as a user meets it: the demo's printed curl line, and a server killed with
/// SIGKILL under load that loses no acknowledged batch.
@Suite(.serialized, .serviceScope) struct ServeTests {
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

    /// SIGTERM while batches are in flight: the server stops accepting, finishes what it has
    /// begun, and exits cleanly; every acknowledged batch is in the database.
    @Test func sigtermFinishesInFlightRequests() async throws {
        let dir = try TemporaryDirectory()
        let setup = ServiceScope.startForTest(try SQLiteLedgerStore(path: dir.database))
        let realm = try await setup.createRealm(name: "Shutdown")
        let points = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        let member = try await setup.createMember(Credentials(username: "m"), in: realm.id)
        let key = try await setup.issueKey(realm: realm.id, name: nil, ids: IDGenerator())
        let server = try ServerProcess(arguments: ["--database", dir.database], directory: dir.url)
        let port = server.port
        let updates = Array(repeating: #"{"dripId":"\#(member.id)","amount":1}"#, count: 1_000).joined(separator: ",")
        let json = #"{"updates":[\#(updates)]}"#
        let signalled = SignalTime()
        let outcomes = try await withThrowingTaskGroup(of: (acknowledged: Int64, afterSignal: Int).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        var acknowledged: Int64 = 0
                        var afterSignal = 0
                        for _ in 0..<200 {
                            do {
                                let response = try await client.execute(
                                    .init(
                                        "/api/v1/realms/\(realm.id)/members/transaction", method: .patch,
                                        headers: [
                                            .authorization: "Bearer \(key.secret.text)",
                                            .contentType: "application/json",
                                        ],
                                        body: ByteBuffer(string: json)))
                                guard response.status == .ok else { break }
                                acknowledged += 1_000
                                if signalled.isSet { afterSignal += 1 }
                            } catch {
                                break
                            }
                        }
                        return (acknowledged, afterSignal)
                    }
                }
            }
            // Let the load get going, then ask the server to stop.
            while try await setup.balance(BalanceKey(currencyID: points.id, memberID: member.id), in: realm.id) < 8_000
            {
                try await Task.sleep(for: .milliseconds(5))
            }
            signalled.set()
            kill(server.process.processIdentifier, SIGTERM)
            var all = [(acknowledged: Int64, afterSignal: Int)]()
            for try await outcome in group { all.append(outcome) }
            return all
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0, "a clean exit: \(server.stderr.text)")
        #expect(outcomes.map(\.afterSignal).reduce(0, +) > 0, "requests in flight at SIGTERM were answered")
        let acknowledged = outcomes.map(\.acknowledged).reduce(0, +)
        let balance = try await setup.balance(BalanceKey(currencyID: points.id, memberID: member.id), in: realm.id)
        #expect(balance >= acknowledged)
        #expect(balance % 1_000 == 0, "whole batches only")
        #expect(try await setup.verify { _ in }.isClean)
    }

    /// Even at trace level, neither a valid secret nor a presented wrong one reaches the log.
    @Test func secretsNeverReachTheLogs() async throws {
        let dir = try TemporaryDirectory()
        let setup = ServiceScope.startForTest(try SQLiteLedgerStore(path: dir.database))
        let realm = try await setup.createRealm(name: "Logs")
        let key = try await setup.issueKey(realm: realm.id, name: nil, ids: IDGenerator())
        let server = try ServerProcess(
            arguments: ["--database", dir.database, "--log-level", "trace"], directory: dir.url)
        let wrong = String(key.secret.text.dropLast(64)) + String(repeating: "e", count: 64)
        try await TestClient.withClient(host: "127.0.0.1", port: server.port) { client in
            for secret in [key.secret.text, wrong] {
                _ = try await client.execute(
                    .init("/api/v1/realms/\(realm.id)", method: .get, headers: [.authorization: "Bearer \(secret)"]))
            }
        }
        server.stop()
        let log = server.stderr.finish()
        #expect(!log.isEmpty, "trace logging produced output")
        #expect(!log.contains(String(key.secret.text.suffix(64))))
        #expect(!log.contains(String(wrong.suffix(64))))
    }
}

/// A flag set once, read from many tasks.
final class SignalTime: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
