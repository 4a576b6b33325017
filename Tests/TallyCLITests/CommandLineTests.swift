import Foundation
import TallyTestSupport
import Testing

/// The command line of SPEC section 6, run as a user would: the real binary, JSON on stdout,
/// messages on stderr, non-zero exit on error.
@Suite struct CommandLineTests {
    @Test func setUpARealmFromTheCommandLine() throws {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let realm = try TallyProcess.run(["realm", "create", "--name", "Guild"] + db)
        #expect(realm.status == 0, "\(realm.stderr)")
        let realmID = try #require(realm.jsonLines.first?["id"] as? String)

        let currency = try TallyProcess.run(
            ["currency", "create", "--realm", realmID, "--name", "XP", "--emoji", "⭐", "--default"] + db)
        #expect(currency.status == 0, "\(currency.stderr)")
        #expect(currency.jsonLines.first?["default"] as? Bool == true)
        #expect(currency.jsonLines.first?["emoji"] as? String == "⭐")

        let member = try TallyProcess.run(
            ["member", "create", "--realm", realmID, "--username", "ann", "--discord-id", "123"] + db)
        #expect(member.status == 0, "\(member.stderr)")
        #expect(member.jsonLines.first?["discordId"] as? String == "123")

        let key = try TallyProcess.run(
            ["key", "create", "--realm", realmID, "--scopes", "points:write", "--name", "bot"] + db)
        #expect(key.status == 0, "\(key.stderr)")
        let keyObject = try #require(key.jsonLines.first)
        let keyID = try #require(keyObject["id"] as? String)
        #expect((keyObject["secret"] as? String)?.hasPrefix("tally_\(keyID)_") == true)
        #expect(keyObject["realmId"] as? String == realmID)
        #expect(keyObject["scopes"] as? [String] == ["points:write"])

        let list = try TallyProcess.run(["key", "list", "--realm", realmID] + db)
        #expect(list.status == 0)
        #expect(list.jsonLines.count == 1)
        #expect(list.jsonLines.first?["secret"] == nil, "a listed key never shows its secret")

        let revoke = try TallyProcess.run(["key", "revoke", keyID] + db)
        #expect(revoke.status == 0)
        #expect(revoke.jsonLines.first?["revokedAt"] is String)

        let admin = try TallyProcess.run(["key", "create", "--admin"] + db)
        #expect(admin.jsonLines.first?["admin"] as? Bool == true)

        let verify = try TallyProcess.run(["verify"] + db)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.jsonLines.first?["ok"] as? Bool == true)
    }

    /// `member create` and `member import` refuse an email or EVM address a member holds in
    /// another case, keep base58 addresses apart, and take a wallet's chain and name.
    /// `tally realm update --public-leaderboard on|off` switches the realm's public page, which
    /// `realm list` and exports show; anything but on or off is refused, changing nothing.
    @Test func aRealmsPublicLeaderboardIsSwitchedFromTheCommandLine() throws {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let realm = try TallyProcess.run(["realm", "create", "--name", "Guild"] + db)
        let realmID = try #require(realm.jsonLines.first?["id"] as? String)
        #expect(realm.jsonLines.first?["publicLeaderboard"] as? Bool == false, "off by default")
        for (setting, expected) in [("on", true), ("off", false), ("ON", true)] {
            let update = try TallyProcess.run(
                ["realm", "update", "--realm", realmID, "--public-leaderboard", setting] + db)
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.jsonLines.first?["publicLeaderboard"] as? Bool == expected, "\(setting)")
        }
        for bad in [["--public-leaderboard", "maybe"], []] {
            let refused = try TallyProcess.run(["realm", "update", "--realm", realmID] + bad + db)
            #expect(refused.status != 0 && refused.stdout.isEmpty, "\(bad)")
        }
        let unknown = try TallyProcess.run(
            ["realm", "update", "--realm", "0123456789abcdef01234567", "--public-leaderboard", "on"] + db)
        #expect(unknown.status != 0 && unknown.stderr.contains("was not found"))
        let list = try TallyProcess.run(["realm", "list"] + db)
        #expect(list.jsonLines.first?["publicLeaderboard"] as? Bool == true, "still on after the refusals")
        let export = try TallyProcess.run(["export"] + db)
        #expect(export.status == 0, "\(export.stderr)")
        let line = try #require(export.jsonLines.first { $0["type"] as? String == "realm" })
        #expect(line["publicLeaderboard"] as? Bool == true, "the export keeps the setting")
    }

    @Test func membersMatchEmailsAndEVMWalletsInAnyCase() throws {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        let base58 = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"
        let realmID = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Case"] + db).jsonLines.first?["id"] as? String)
        let create = ["member", "create", "--realm", realmID]
        let erin = try TallyProcess.run(
            create + ["--wallet", evm, "--wallet-name", "metamask", "--email", "Erin@Example.com"] + db)
        #expect(erin.status == 0, "\(erin.stderr)")
        let answered = try #require(erin.jsonLines.first)
        #expect(answered["wallet"] as? String == evm && answered["email"] as? String == "Erin@Example.com")
        #expect(answered["walletName"] as? String == "metamask" && answered["walletChain"] == nil)
        for clash in [["--email", "erin@example.com"], ["--wallet", evm.lowercased()]] {
            let refused = try TallyProcess.run(create + clash + db)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("already exists"), "\(clash): \(refused.stderr)")
        }
        let orphan = try TallyProcess.run(create + ["--username", "x", "--wallet-chain", "solana"] + db)
        #expect(orphan.status != 0 && orphan.stderr.contains("wallet-chain"), "\(orphan.stderr)")

        let within = try TallyProcess.run(
            ["member", "import", "--realm", realmID, "-"] + db,
            stdin: "email,wallet\nann@example.com,\(base58)\nANN@example.com,\n")
        #expect(within.status != 0)
        #expect(within.stderr.contains("Line 3") && within.stderr.contains("ANN@example.com"), "\(within.stderr)")
        let existing = try TallyProcess.run(
            ["member", "import", "--realm", realmID, "-"] + db, stdin: "username,wallet\nnew,\(evm.uppercased())\n")
        #expect(existing.status != 0)
        #expect(existing.stderr.contains("already exists"), "\(existing.stderr)")
        let imported = try TallyProcess.run(
            ["member", "import", "--realm", realmID, "-"] + db,
            stdin: "wallet,wallet-chain,wallet-name\n\(base58),solana,phantom\n\(base58.lowercased()),,\n")
        #expect(imported.status == 0, "base58 addresses in two cases are two wallets: \(imported.stderr)")
        #expect(imported.jsonLines.first?["walletChain"] as? String == "solana")
        #expect(imported.jsonLines.first?["walletName"] as? String == "phantom")
        #expect(imported.jsonLines.count == 2)
    }

    @Test func theDatabaseDefaultsToTallyDatabaseThenTallySqliteInTheWorkingDirectory() throws {
        let dir = try TemporaryDirectory()
        let realm = try TallyProcess.run(["realm", "create", "--name", "Here"], directory: dir.url)
        #expect(realm.status == 0, "\(realm.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.database))
    }

    /// `tally webhook create|list|delete`: the secret printed once, never listed.
    @Test func webhookSubscriptionsFromTheCommandLine() throws {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let realmID = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Hooks"] + db).jsonLines.first?["id"] as? String)
        let created = try TallyProcess.run(
            [
                "webhook", "create", "--realm", realmID, "--url", "https://hooks.example.com/tally", "--types",
                "member.joined,member.points.awarded",
            ] + db)
        #expect(created.status == 0, "\(created.stderr)")
        let object = try #require(created.jsonLines.first)
        let id = try #require(object["id"] as? String)
        #expect((object["secret"] as? String)?.hasPrefix("whsec_") == true)
        #expect(object["types"] as? [String] == ["member.joined", "member.points.awarded"])
        let local = try TallyProcess.run(
            [
                "webhook", "create", "--realm", realmID, "--url", "http://127.0.0.1:9000/", "--allow-private",
                "--disabled",
            ] + db)
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.jsonLines.first?["enabled"] as? Bool == false)

        let list = try TallyProcess.run(["webhook", "list", "--realm", realmID] + db)
        #expect(list.status == 0)
        #expect(list.jsonLines.count == 2)
        #expect(!list.stdout.contains("whsec_"), "a listed subscription never shows its secret")
        let deleted = try TallyProcess.run(["webhook", "delete", "--realm", realmID, id] + db)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try TallyProcess.run(["webhook", "list"] + db).jsonLines.count == 1)
    }

    @Test(arguments: [
        (["currency", "create", "--realm", "nope", "--name", "XP"], "24 hexadecimal"),
        (["currency", "create", "--realm", "0123456789abcdef01234567", "--name", "XP"], "not found"),
        (["member", "create", "--realm", "0123456789abcdef01234567", "--username", "x"], "not found"),
        (["key", "create"], "--realm"),
        (["key", "create", "--admin", "--realm", "0123456789abcdef01234567"], "--realm"),
        (["key", "create", "--realm", "0123456789abcdef01234567", "--scopes", "root"], "Unknown scope"),
        (["key", "revoke", "0123456789abcdef01234567"], "not found"),
        (["realm", "create", "--name", ""], "empty"),
        (["serve", "--database", "postgres://localhost/tally"], "PostgreSQL"),
        (["verify", "--database", "/proc/nowhere/tally.sqlite"], "Cannot open"),
        (["member", "import", "--realm", "0123456789abcdef01234567", "/nonexistent.csv"], "Cannot read"),
        (["webhook", "create", "--realm", "0123456789abcdef01234567", "--url", "https://a.example.com/"], "not found"),
        (
            ["webhook", "create", "--realm", "0123456789abcdef01234567", "--url", "http://127.0.0.1:9/"],
            "--webhooks-allow-private"
        ),
        (
            [
                "webhook", "create", "--realm", "0123456789abcdef01234567", "--url", "https://a.example.com/",
                "--types", "x",
            ],
            "is not one"
        ),
        (["webhook", "delete", "--realm", "0123456789abcdef01234567", "0123456789abcdef01234567"], "No webhook"),
    ])
    func errorsExitNonZeroWithAMessage(arguments: [String], mentions: String) throws {
        let dir = try TemporaryDirectory()
        var arguments = arguments
        if !arguments.contains("--database") { arguments += ["--database", dir.database] }
        let result = try TallyProcess.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mentions), "stderr: \(result.stderr)")
    }

    @Test func importCreatesEveryRowOrNone() throws {
        let dir = try TemporaryDirectory()
        let db = ["--database", dir.database]
        let realmID = try #require(
            try TallyProcess.run(["realm", "create", "--name", "Big"] + db).jsonLines.first?["id"] as? String)
        let rows = (0..<25_000).map { "user\($0),\(100_000 + $0),user\($0)@example.com" }
        let csv = "username,discord-id,email\n" + rows.joined(separator: "\n") + "\n"

        let imported = try TallyProcess.run(["member", "import", "--realm", realmID, "-"] + db, stdin: csv)
        #expect(imported.status == 0, "\(imported.stderr)")
        let lines = imported.jsonLines
        #expect(lines.count == 25_000)
        #expect(lines.first?["username"] as? String == "user0")
        #expect(lines.last?["email"] as? String == "user24999@example.com")
        #expect(imported.stderr.contains("imported 25000 members"), "\(imported.stderr)")

        // A second file that clashes on its last row adds nobody.
        let clash = "username\nfresh1\nfresh2\nuser7\n"
        let file = dir.url.appendingPathComponent("clash.csv")
        try clash.write(to: file, atomically: true, encoding: .utf8)
        let failed = try TallyProcess.run(["member", "import", "--realm", realmID, file.path] + db)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("Line 4") && failed.stderr.contains("user7"), "\(failed.stderr)")
        #expect(failed.stdout.isEmpty, "a failed import prints no member")
        let retry = try TallyProcess.run(
            ["member", "import", "--realm", realmID, "-"] + db, stdin: "username\nfresh1\n")
        #expect(retry.status == 0, "fresh1 was not left behind by the failed import: \(retry.stderr)")

        let badCSV = try TallyProcess.run(["member", "import", "--realm", realmID, "-"] + db, stdin: "name\nx\n")
        #expect(badCSV.status != 0)
        #expect(badCSV.stderr.contains("header"))
    }
}
