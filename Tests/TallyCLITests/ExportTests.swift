import Foundation
import TallyCore
import TallySQLite
import TallyTestSupport
import Testing

@testable import tally

/// `tally export`, run as a user would: the export alone on stdout (header, records, trailer),
/// key hashes but never secrets, and `--to` that leaves a file only when the export is complete.
@Suite(.serviceScope) struct ExportTests {
    /// A realm with a currency, two members with balances, a journal and a key made by
    /// `tally key create`; returns the database, the realm and the key's secret.
    private func ledger(_ dir: TemporaryDirectory) async throws -> (db: [String], realm: String, secret: String) {
        let store = ServiceScope.startForTest(try SQLiteLedgerStore(path: dir.database))
        let realm = try await store.createRealm(RealmDraft(name: "Guild", subdomain: "guild"))
        _ = try await store.createCurrency(CurrencyDraft(name: "Points", emoji: "⭐", isDefault: true), in: realm.id)
        let ann = try await store.createMember(
            Credentials(username: "ann", email: "Ann@Example.com"), metadata: ["level": 2], in: realm.id)
        let bob = try await store.createMember(Credentials(username: "bob"), in: realm.id)
        _ = try await store.apply(
            try Batch(
                realmID: realm.id, changes: [Change(memberID: ann.id, amount: 10), Change(memberID: bob.id, amount: 4)])
        )
        _ = try await store.apply(
            try Transfer.batch(
                realm: realm.id, sender: ann.id, recipient: bob.id, amount: 3, currency: nil, initiatorID: nil))
        let db = ["--database", dir.database]
        let key = try TallyProcess.run(["key", "create", "--realm", realm.id.rawValue, "--name", "bot"] + db)
        #expect(key.status == 0, "\(key.stderr)")
        let secret = try #require(key.jsonLines.first?["secret"] as? String)
        return (db, realm.id.rawValue, secret)
    }

    @Test func aRealmExportsAsHeaderRecordsAndTrailerWithKeyHashesOnly() async throws {
        let dir = try TemporaryDirectory()
        let (db, realm, secret) = try await ledger(dir)
        let export = try TallyProcess.run(["export", "--realm", realm, "--journal", "--keys"] + db)
        #expect(export.status == 0, "\(export.stderr)")
        let lines = export.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let objects = export.jsonLines
        #expect(objects.count == lines.count, "every line is one JSON object: \(export.stdout)")
        #expect(objects.allSatisfy { $0["type"] is String }, "every line has a type")

        let header = try #require(objects.first)
        #expect(header["type"] as? String == "tally-export")
        #expect(header["format"] as? Int == 1)
        #expect(header["realm"] as? String == realm)
        #expect(header["journal"] as? Bool == true && header["keys"] as? Bool == true)
        #expect(header["exportedAt"] is Int && header["tallyVersion"] is String)
        let trailer = try #require(objects.last)
        #expect(trailer["type"] as? String == "end")
        #expect(trailer["records"] as? Int == objects.count - 2, "the trailer counts the records")
        let types = objects.dropFirst().dropLast().map { $0["type"] as? String ?? "?" }
        #expect(
            types == [
                "realm", "currency", "member", "member", "entry", "entry", "entry", "entry", "balance", "balance",
                "key",
            ])
        #expect(objects[1]["subdomain"] as? String == "guild")
        let entries = objects.filter { $0["type"] as? String == "entry" }
        #expect(entries.map { $0["balanceAfter"] as? Int } == [10, 4, 7, 7], "entries in commit order")
        #expect(entries.last?["kind"] as? String == "transfer")
        let balances = objects.filter { $0["type"] as? String == "balance" }
        #expect(Set(balances.compactMap { $0["balance"] as? Int }) == [7], "balances as stored")

        // The key comes as the hash of its secret, and the secret nowhere.
        let key = try #require(objects.first { $0["type"] as? String == "key" })
        #expect(key["secretHash"] as? String == Hex.encode(Hashing.sha256(Array(secret.utf8))))
        #expect(key["name"] as? String == "bot")
        let random = String(secret.suffix(64))
        #expect(!export.stdout.contains(random) && !export.stderr.contains(random), "a key's secret was exported")
        #expect(export.stderr.contains("exported 11 records"), "\(export.stderr)")

        let withoutKeys = try TallyProcess.run(["export", "--realm", realm] + db)
        #expect(withoutKeys.status == 0, "\(withoutKeys.stderr)")
        let kinds = Set(withoutKeys.jsonLines.compactMap { $0["type"] as? String })
        #expect(kinds == ["tally-export", "realm", "currency", "member", "balance", "end"], "no keys, no journal")
    }

    @Test func exportingTheSameLedgerTwiceGivesTheSameLinesAfterTheHeader() async throws {
        let dir = try TemporaryDirectory()
        let (db, _, _) = try await ledger(dir)
        _ = try TallyProcess.run(["key", "create", "--admin"] + db)
        let first = try TallyProcess.run(["export", "--journal", "--keys"] + db)
        let second = try TallyProcess.run(["export", "--journal", "--keys"] + db)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        let (a, b) = (first.stdout.split(separator: "\n"), second.stdout.split(separator: "\n"))
        #expect(a.count == 14, "\(first.stdout)")
        #expect(a.dropFirst() == b.dropFirst())
        let admin = try #require(first.jsonLines.dropLast().last)
        #expect(admin["type"] as? String == "key" && admin["realmId"] == nil, "the admin key comes last")
    }

    @Test func toWritesTheFileOnlyOnceCompleteAndRefusesAnExistingOne() async throws {
        let dir = try TemporaryDirectory()
        let (db, realm, _) = try await ledger(dir)
        let file = dir.url.appendingPathComponent("guild.ndjson").path
        let written = try TallyProcess.run(["export", "--realm", realm, "--journal", "--to", file] + db)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.isEmpty, "nothing on stdout with --to")
        #expect(written.stderr.contains("to \(file)"), "\(written.stderr)")
        let contents = try String(contentsOfFile: file, encoding: .utf8)
        let piped = try TallyProcess.run(["export", "--realm", realm, "--journal"] + db)
        #expect(contents.split(separator: "\n").dropFirst() == piped.stdout.split(separator: "\n").dropFirst())
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "only its owner may read it")

        let refused = try TallyProcess.run(["export", "--to", file] + db)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("exists"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == contents, "the existing file is untouched")
        let replaced = try TallyProcess.run(["export", "--to", file, "--force"] + db)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) != contents, "--force replaces it")

        let missing = dir.url.appendingPathComponent("missing.ndjson").path
        let failed = try TallyProcess.run(["export", "--realm", "0123456789abcdef01234567", "--to", missing] + db)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("not found"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing), "a failed export leaves no file")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("ndjson") }
        #expect(left == ["guild.ndjson"], "and no temporary file either: \(left)")

        let orphan = try TallyProcess.run(["export", "--force"] + db)
        #expect(orphan.status != 0 && orphan.stderr.contains("--to"), "\(orphan.stderr)")
    }
}

/// The progress line long commands redraw on a terminal.
@Suite struct ProgressMeterTests {
    @Test func theLineShowsTheCountTheRateAndTheTimeLeft() {
        let start = Date()
        let records = ProgressMeter("export", unit: "records", total: 1_000_000, started: start, enabled: false)
        #expect(
            records.text(250_000, now: start + 10)
                == "export: 250,000 of 1,000,000 records (25%), 25,000 records/s, about 30 s left")
        #expect(
            records.text(1_050_000, now: start + 20) == "export: 1,050,000 records, 52,500 records/s",
            "past the estimate, no estimate")
        let unknown = ProgressMeter("verify", unit: "entries", total: nil, started: start, enabled: false)
        #expect(unknown.text(12, now: start + 4) == "verify: 12 entries, 3 entries/s")
        let bytes = ProgressMeter("import", unit: "bytes", total: 3_400_000_000, started: start, enabled: false)
        #expect(
            bytes.text(1_200_000_000, now: start + 10) == "import: 1.2 GB of 3.4 GB (35%), 120.0 MB/s, about 19 s left")
        #expect(ProgressMeter.duration(41.2) == "42 s" && ProgressMeter.duration(185) == "4 min")
        #expect(ProgressMeter.duration(7_800) == "2.2 h")
        #expect(ProgressMeter.grouped(1_234_567) == "1,234,567" && ProgressMeter.grouped(999) == "999")
    }
}
