import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TallyCore
import TallySQLite
import TallyTestSupport
import Testing

/// `tally backup` as an operator meets it: a copy of a database a real server keeps writing to
/// holds every batch acknowledged before it began, balances against its own journal and passes
/// `tally verify`; a killed or interrupted backup leaves nothing at the target name; an existing
/// target is kept unless `--force`; PostgreSQL is refused.
@Suite(.serialized, .serviceScope) struct BackupTests {
    /// Eight clients post batches without pause, each tagged with its own `initiatorId`; the
    /// backup runs while they do. Every batch acknowledged before the backup started must be in
    /// the copy, whole; every batch in the copy must be whole; each balance of the copy must equal
    /// the sum of its own journal; and `tally verify` must pass on the copy.
    ///
    /// Run twice: as is, and while a long read (a `verify` whose progress waits) holds a snapshot
    /// from before the load, so that no checkpoint can copy the clients' batches into the
    /// database file and they exist only in the write-ahead log.
    @Test(arguments: [false, true]) func aCopyTakenUnderLoadHoldsEveryBatchAcknowledgedBeforeIt(
        whileAReaderHoldsTheLog: Bool
    ) async throws {
        let dir = try TemporaryDirectory()
        let setup = ServiceScope.startForTest(try SQLiteLedgerStore(path: dir.database))
        let realm = try await setup.createRealm(name: "Backup")
        let points = try await setup.createCurrency(CurrencyDraft(name: "Points", isDefault: true), in: realm.id)
        var members = [Member]()
        for index in 0..<12 {
            members.append(try await setup.createMember(Credentials(username: "m\(index)"), in: realm.id))
        }
        // Some history first, so that the copy takes a moment while the clients write.
        for round in 0..<40 {
            let changes = (0..<1_000).map { Change(memberID: members[$0 % 12].id, amount: Int64(1 + round % 5)) }
            _ = try await setup.apply(try Batch(realmID: realm.id, changes: changes, initiatorID: "seed-\(round)"))
        }
        let key = try await setup.issueKey(realm: realm.id, name: "load", ids: IDGenerator())
        let reader = Gate()
        let holding = Task {
            guard whileAReaderHoldsTheLog else { return }
            _ = try await setup.verify { _ in reader.holdUntilReleased() }
        }
        defer { reader.release() }
        if whileAReaderHoldsTheLog { try #require(try await reader.waitUntilHeld(), "the long read began") }
        let server = try ServerProcess(arguments: ["--database", dir.database], directory: dir.url)
        defer { server.stop() }
        let port = server.port
        let path = "/api/v1/realms/\(realm.id)/members/transaction"
        let headers: HTTPFields = [.authorization: "Bearer \(key.secret.text)", .contentType: "application/json"]
        let ids = members.map(\.id.rawValue)
        let acknowledged = Acknowledged()
        let stop = Flag()

        let copy = dir.url.appendingPathComponent("copy.sqlite").path
        let (before, result, during) = try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                        var round = 0
                        while !stop.isSet {
                            let tag = "w\(worker)-\(round)"
                            let updates = (0..<3).map { offset in
                                #"{"dripId":"\#(ids[(worker + round + offset) % ids.count])","amount":\#(1 + (round + offset) % 7)}"#
                            }
                            let json = #"{"updates":[\#(updates.joined(separator: ","))],"initiatorId":"\#(tag)"}"#
                            let response = try await client.execute(
                                .init(path, method: .patch, headers: headers, body: ByteBuffer(string: json)))
                            if response.status == .ok { acknowledged.insert(tag) }
                            round += 1
                        }
                    }
                }
            }
            // Let the load get going, then back up while it goes on.
            let deadline = Date().addingTimeInterval(60)
            while acknowledged.count < 400 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
            let before = acknowledged.all
            let database = dir.database
            let result = try await offThePool {
                let result = try TallyProcess.run(["backup", "--database", database, "--to", copy])
                return (status: result.status, stdout: result.stdout, stderr: result.stderr)
            }
            let during = acknowledged.count - before.count
            // A little more load after the copy, which it must not hold.
            try await Task.sleep(for: .milliseconds(100))
            stop.set()
            try await group.waitForAll()
            return (before, result, during)
        }
        server.stop()
        reader.release()
        try await holding.value

        #expect(before.count >= 400, "the load got going")
        #expect(result.status == 0, "\(result.stderr)")
        let printed = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect(printed["path"] as? String == copy)
        #expect(printed["verified"] as? Bool == true)
        #expect(during > 0, "the server kept acknowledging batches while the backup ran")
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"), "the copy needs no -wal")
        #expect(!FileManager.default.fileExists(atPath: copy + "-journal"))
        #expect(try Self.partialFiles(in: dir.url).isEmpty, "the temporary file is gone")
        let header = try #require(FileHandle(forReadingAtPath: copy)).readData(ofLength: 20)
        #expect(Array(header.suffix(2)) == [1, 1], "the copy's header names a rollback journal, not WAL")

        let verify = try TallyProcess.run(["verify", "--database", copy])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")

        let restored = ServiceScope.startForTest(try SQLiteLedgerStore(path: copy))
        var entriesOf = [String: Int]()
        var entries = 0
        var lastSequence: Int64 = 0
        for member in members {
            let journal = try await restored.journal(of: member.id, in: realm.id, limit: 10_000_000)
            let balance = try await restored.balance(
                BalanceKey(currencyID: points.id, memberID: member.id), in: realm.id)
            #expect(
                balance == journal.map(\.amount).reduce(0, +), "the copy's balance of \(member.id) is its journal's sum"
            )
            for entry in journal {
                entriesOf[entry.initiatorID ?? "", default: 0] += 1
                lastSequence = max(lastSequence, entry.sequence)
            }
            entries += journal.count
        }
        let missing = before.filter { entriesOf[$0] != 3 }
        #expect(
            missing.count == 0,
            "\(missing.count) of \(before.count) acknowledged batches are not whole in the copy: \(missing.prefix(5))")
        let broken = entriesOf.filter { $0.key.hasPrefix("w") && $0.value != 3 }
        #expect(broken.count == 0, "batches half in the copy: \(broken.prefix(5))")
        #expect(printed["entries"] as? Int == entries)
        #expect((printed["journalSeq"] as? Int).map(Int64.init) == lastSequence)
        #expect(printed["members"] as? Int == 12 && printed["realms"] as? Int == 1)
        let copied = entriesOf.keys.filter { $0.hasPrefix("w") }.count
        print(
            "backup under load\(whileAReaderHoldsTheLog ? " (a reader holding the log)" : ""): \(printed["entries"] ?? "?") entries, \(printed["bytes"] ?? "?") bytes in "
                + "\(printed["elapsedSeconds"] ?? "?") s; \(before.count) batches acknowledged before it, "
                + "\(during) during it; the copy holds \(copied) client batches")
    }

    /// A backup stopped at any moment before it finishes leaves nothing at the target name: one
    /// full backup of a 300,000-entry database measures how long the work takes once the temporary
    /// file exists; then backups are killed with SIGKILL as soon as that file appears and at
    /// fractions of that time (in the copy and in the checks), and interrupted with SIGTERM and
    /// SIGINT, which must also remove the temporary file and exit with 128 + the signal.
    @Test func aKilledOrInterruptedBackupLeavesNothingAtTheTarget() async throws {
        let dir = try TemporaryDirectory()
        let entries = try await Self.largeDatabase(at: dir.database)

        let full = dir.url.appendingPathComponent("full.sqlite").path
        let (measured, measuredErr) = try Self.startBackup(database: dir.database, to: full)
        let appeared = try #require(try Self.waitForPartialFile(in: dir.url, of: measured), "\(measuredErr.text)")
        measured.waitUntilExit()
        let work = Date().timeIntervalSince(appeared)
        #expect(measured.terminationStatus == 0, "\(measuredErr.finish())")
        let verify = try TallyProcess.run(["verify", "--database", full])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        print(
            "backup of a \(entries)-entry database: \(String(format: "%.2f", work)) s after its temporary file appeared"
        )

        for (index, (signal, fraction)) in [
            (SIGKILL, 0.0), (SIGKILL, 0.4), (SIGKILL, 0.7), (SIGTERM, 0.5), (SIGINT, 0.2),
        ].enumerated() {
            let target = dir.url.appendingPathComponent("copy-\(index).sqlite").path
            let before = Set(try Self.partialFiles(in: dir.url))
            let (process, stderr) = try Self.startBackup(database: dir.database, to: target)
            try #require(try Self.waitForPartialFile(in: dir.url, of: process, besides: before) != nil)
            if fraction > 0 { usleep(useconds_t(work * fraction * 1_000_000)) }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            let message = stderr.finish()
            let stoppedBy = "signal \(signal) at \(fraction) of the work"
            if process.terminationReason == .exit && process.terminationStatus == 0 {
                // It finished before the signal arrived: nothing to check.
                print("backup finished before \(stoppedBy)")
                continue
            }
            #expect(!FileManager.default.fileExists(atPath: target), "\(stoppedBy) left a file at the target name")
            if signal == SIGKILL {
                #expect(process.terminationReason == .uncaughtSignal, "\(stoppedBy): \(message)")
            } else {
                #expect(
                    process.terminationReason == .exit && process.terminationStatus == 128 + signal,
                    "\(stoppedBy): \(message)")
                #expect(message.contains("interrupted"), "\(stoppedBy): \(message)")
                #expect(Set(try Self.partialFiles(in: dir.url)) == before, "\(stoppedBy) removed its temporary file")
            }
        }

        // A backup to a name a killed one left a temporary file beside succeeds.
        let again = try TallyProcess.run([
            "backup", "--database", dir.database, "--to", dir.url.appendingPathComponent("copy-0.sqlite").path,
        ])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.jsonLines.first?["entries"] as? Int == entries)
        print(
            "backup of a \(entries)-entry database (\(again.jsonLines.first?["bytes"] ?? "?") bytes) took "
                + "\(again.jsonLines.first?["elapsedSeconds"] ?? "?") s")
    }

    /// A PostgreSQL database is refused before any connection, with a pointer to its own tools;
    /// the password is not printed.
    @Test func aPostgreSQLDatabaseIsRefusedWithItsOwnTools() throws {
        let dir = try TemporaryDirectory()
        let target = dir.url.appendingPathComponent("copy.sqlite").path
        for url in ["postgres://tally:s3cret@127.0.0.1:1/tally", "postgresql://tally:s3cret@127.0.0.1:1/tally"] {
            let result = try TallyProcess.run(["backup", "--database", url, "--to", target])
            #expect(result.status == 1)
            for word in ["pg_dump", "pg_basebackup", "docs/OPERATIONS.md"] {
                #expect(result.stderr.contains(word), "\(result.stderr)")
            }
            #expect(!result.stderr.contains("s3cret") && result.stdout.isEmpty)
            let fromEnvironment = try TallyProcess.run(
                ["backup", "--to", target], environment: ["TALLY_DATABASE": url])
            #expect(fromEnvironment.status == 1 && fromEnvironment.stderr.contains("pg_dump"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).isEmpty)
    }

    /// An existing target is kept unless `--force`; the database itself, a directory, and a
    /// target beside which a `-wal` lies are refused even with it.
    @Test func anExistingTargetIsKeptUnlessForced() async throws {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let realm = try TallyProcess.run(["realm", "create", "--name", "Kept"] + db)
        #expect(realm.status == 0, "\(realm.stderr)")
        let target = dir.url.appendingPathComponent("copy.sqlite").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: target))

        let refused = try TallyProcess.run(["backup", "--to", target] + db)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("exists") && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
        #expect(try Self.partialFiles(in: dir.url).isEmpty)

        let forced = try TallyProcess.run(["backup", "--to", target, "--force"] + db)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.jsonLines.first?["realms"] as? Int == 1)
        let verify = try TallyProcess.run(["verify", "--database", target])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")

        for (arguments, mentions) in [
            (["--to", dir.database, "--force"], "the database itself"),
            (["--to", dir.url.path, "--force"], "directory"),
        ] {
            let result = try TallyProcess.run(["backup"] + arguments + db)
            #expect(result.status == 1)
            #expect(result.stderr.contains(mentions), "\(result.stderr)")
        }
        try Data("stale".utf8).write(to: URL(fileURLWithPath: target + "-wal"))
        let beside = try TallyProcess.run(["backup", "--to", target, "--force"] + db)
        #expect(beside.status == 1)
        #expect(beside.stderr.contains("-wal exists"), "\(beside.stderr)")
    }

    // MARK: Helpers

    /// A database of one realm, 1,000 members and 300,000 journal entries; returns the entry count.
    static func largeDatabase(at path: String) async throws -> Int {
        let db = ["--database", path]
        let realmID = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Large"] + db).jsonLines.first?["id"] as? String)
        let currency = try TallyProcess.run(
            ["currency", "create", "--realm", realmID, "--name", "XP", "--default"] + db)
        #expect(currency.status == 0, "\(currency.stderr)")
        let csv = "username\n" + (0..<1_000).map { "user\($0)" }.joined(separator: "\n") + "\n"
        let imported = try TallyProcess.run(["member", "import", "--realm", realmID, "-"] + db, stdin: csv)
        #expect(imported.status == 0, "\(imported.stderr)")
        let members = imported.jsonLines.compactMap { ($0["id"] as? String).flatMap(MemberID.init) }
        try #require(members.count == 1_000)
        let realm = try #require(RealmID(realmID))
        let batches = 300
        try await ServiceScope.with { scope in
            let store = scope.start(try SQLiteLedgerStore(path: path))
            for round in 0..<batches {
                let changes = members.map { Change(memberID: $0, amount: Int64(1 + round % 9)) }
                _ = try await store.apply(try Batch(realmID: realm, changes: changes, initiatorID: "seed-\(round)"))
            }
        }
        return batches * members.count
    }

    /// Starts `tally backup` without waiting for it.
    static func startBackup(database: String, to target: String) throws -> (ChildProcess, OutputCollector) {
        let process = ChildProcess()
        process.executableURL = TallyProcess.binary
        process.arguments = ["backup", "--database", database, "--to", target]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TALLY_") }
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let stderr = OutputCollector(err)
        try process.run()
        return (process, stderr)
    }

    /// Waits (bounded) until a temporary backup file not in `besides` appears in `directory`;
    /// returns when it was seen, or nil if `process` ended first.
    static func waitForPartialFile(in directory: URL, of process: ChildProcess, besides: Set<String> = []) throws
        -> Date?
    {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && process.isRunning {
            if try !Set(partialFiles(in: directory)).subtracting(besides).isEmpty { return Date() }
            usleep(200)
        }
        return nil
    }

    /// The temporary files of backups in `directory`.
    static func partialFiles(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".partial-") }
    }
}

/// Runs a blocking call on a thread of its own, so that the cooperative pool keeps serving the
/// test's clients meanwhile.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// The tags of the batches the server acknowledged, from many tasks.
final class Acknowledged: Sendable {
    private let tags = Mutex<Set<String>>([])
    func insert(_ tag: String) { _ = tags.withLock { $0.insert(tag) } }
    var count: Int { tags.withLock { $0.count } }
    var all: Set<String> { tags.withLock { $0 } }
}

/// Holds a database reader's thread until released: `holdUntilReleased` runs on that thread.
final class Gate: Sendable {
    private let held = Mutex(false)
    private let released = DispatchSemaphore(value: 0)
    private let done = Mutex(false)

    func holdUntilReleased() {
        held.withLock { $0 = true }
        released.wait()
    }

    /// Waits (bounded) until a thread is held, without blocking a thread of its own: the task
    /// that is to be held may need this one's thread to start.
    func waitUntilHeld() async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if held.withLock({ $0 }) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Lets the held thread go; the second and later calls do nothing.
    func release() {
        guard
            !done.withLock({ done in
                defer { done = true }; return done
            })
        else { return }
        released.signal()
    }
}

/// A flag set once, read from many tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
